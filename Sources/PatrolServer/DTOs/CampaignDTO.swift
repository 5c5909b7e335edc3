import Foundation
import PatrolCore
import PatrolStore
import Vapor

struct CampaignDTO: Content {
    var code: String
    var name: String
    var timeZone: String
    var startsAt: Date
    var endsAt: Date
    var scoredAt: Date?
    var state: String
    var demo: Bool
    /// The issuing office and its contacts, as set up.
    var office: CampaignOffice

    init(_ c: Campaign) {
        code = c.code; name = c.name; timeZone = c.timeZone; startsAt = c.startsAt; endsAt = c.endsAt
        scoredAt = c.scoredAt; state = c.state.rawValue; demo = c.isDemo; office = c.office
    }
}

struct UnitDTO: Content {
    struct LiaisonDTO: Content {
        var name: String
        var phone: String
        var officePhone: String?
        var email: String?
    }
    var code: String
    var name: String
    var category: String
    var group: String
    var parent: String?
    var note: String?
    var assets: Int
    /// Absent for those who may not see liaison contacts (testers).
    var liaisons: [LiaisonDTO]?
}

struct AssetDTO: Content {
    var code: String
    var unit: String
    var kind: String
    var target: String
    var ports: String?
    var origin: String
    var note: String?
    var internalNetwork: Bool
    /// `pending`, `approved` or `rejected`: only approved assets are in the gateway's scope.
    var review: String
    var reviewReason: String?
    var reviewedAt: Date?

    init(_ a: Asset, unitCode: String) {
        code = a.code; unit = unitCode; kind = a.kind.rawValue; target = a.target; ports = a.ports
        origin = a.origin.rawValue; note = a.note; internalNetwork = a.internalNetwork
        review = a.review.rawValue; reviewReason = a.reviewReason; reviewedAt = a.reviewedAt
    }
}

struct TeamDTO: Content {
    var code: String
    var name: String
    var company: String?
    var state: String
    var interception: Bool
}
