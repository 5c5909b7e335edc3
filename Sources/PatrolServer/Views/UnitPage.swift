import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// A unit's page (`unit` template): who it is, its liaisons for those who may see contacts, and
/// its assets with what the reader may do to them.
struct UnitPage: Encodable {
    var code, name, category, groupName: String
    var note: String?
    var parent: String?
    var liaisons: [UnitDTO.LiaisonDTO]?
    var assets: [AssetRow]
    var canDeclare: Bool
    var declarationClosed: Bool
    var newAssetHref: String
    /// The organiser's edit form and the action taking the unit out of the campaign (admins).
    var editHref: String?
    var retireAction: String?
    /// The campaigns the unit takes part in, for the organiser (a liaison sees only their own).
    var campaigns: [CampaignLink]
    struct CampaignLink: Encodable { var code, name, href: String; var current: Bool }
}

extension UnitPage {
    init(_ req: Request, campaign: Campaign, unit: PatrolStore.Unit) async throws {
        let actor = try req.requireActor()
        let unitID = try unit.requireID()
        var liaisons: [UnitDTO.LiaisonDTO]?
        if AccessPolicy.decide(actor, .viewLiaisonContacts(unitID: unitID)) == .allow {
            liaisons = try await unit.$liaisons.query(on: req.db).sort(\.$position).all().map { .init(name: $0.name, phone: $0.phone, officePhone: $0.officePhone, email: $0.email) }
        }
        let assets = try await Asset.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
            .filter(\.$unit.$id == unitID).filter(\.$review ~~ Array(AccessPolicy.visibleAssetReviews(for: actor)))
            .sort(\.$code).all()
        let decision = AccessPolicy.decide(actor, .declareAsset(unitID: unitID, campaignState: campaign.state))
        let mayEverDeclare = AccessPolicy.decide(actor, .declareAsset(unitID: unitID, campaignState: .draft)) == .allow
        let parent = try await unit.$parent.get(on: req.db)?.name
        let canManage = AccessPolicy.decide(actor, .manageUnits) == .allow
        var campaigns: [CampaignLink] = []
        if canManage {
            campaigns = try await unit.$campaigns.query(on: req.db).sort(\.$startsAt, .descending).all().map {
                CampaignLink(code: $0.code, name: $0.name, href: $0.url(.unit(.value(unit.code), .page)).path, current: $0.id == campaign.id)
            }
        }
        self.init(
            code: unit.code, name: unit.name, category: unit.category, groupName: req.t("unit.group.\(unit.group.rawValue)"),
            note: unit.note, parent: parent, liaisons: liaisons,
            assets: assets.map { AssetRow($0, req, campaign: campaign) },
            canDeclare: decision == .allow, declarationClosed: mayEverDeclare && decision != .allow,
            newAssetHref: campaign.url(.unit(.value(unit.code), .newAsset)).path,
            editHref: canManage ? campaign.url(.unit(.value(unit.code), .edit)).path : nil,
            retireAction: canManage ? campaign.url(.unit(.value(unit.code), .retire)).path : nil,
            campaigns: campaigns)
    }
}
