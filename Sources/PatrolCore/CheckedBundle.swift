import Foundation

/// A campaign bundle that passed `BundleValidator`: every reference resolves, every enumeration
/// and time is typed. Importers write this, never the raw document.
public struct CheckedBundle: Sendable {
    public struct Campaign: Sendable {
        public var code: String
        public var name: String
        public var timeZone: TimeZone
        public var startsAt: Date
        public var endsAt: Date
        public var scoredAt: Date?
        public var state: CampaignState
        public var demo: Bool
        public var scoringPolicy: ScoringPolicy
        public var office: CampaignOffice
    }

    public struct Liaison: Sendable {
        public var name: String
        public var phone: String
        public var officePhone: String?
        public var email: String?
    }

    public struct Unit: Sendable {
        public var code: String
        public var name: String
        public var category: String
        public var group: UnitGroup
        public var parent: String?
        public var note: String?
        public var liaisons: [Liaison]
    }

    public struct Asset: Sendable {
        public var code: String
        public var unit: String
        public var kind: AssetKind
        public var target: String
        public var ports: String?
        public var origin: AssetOrigin
        public var note: String?
        public var internalNetwork: Bool
        public var review: AssetReview
        public var reviewReason: String?
    }

    public struct Team: Sendable {
        public var code: String
        public var name: String
        public var company: String?
        public var state: TeamState
    }

    public struct Remediation: Sendable {
        public var submittedAt: Date
        public var description: String?
        public var shellsDeleted: [String]
        public var retest: RetestResult?
        public var retestReason: String?
        public var retestedAt: Date?
    }

    public struct Finding: Sendable {
        public var code: String
        public var unit: String
        public var asset: String?
        public var team: String
        public var kind: FindingKind
        public var severity: Severity?
        public var type: String?
        public var weakPassword: Bool
        public var sensitiveRecords: Int
        public var title: String
        public var description: String?
        public var reproduction: String?
        public var url: String?
        public var shellPaths: [String]
        public var status: FindingStatus
        public var duplicateOf: String?
        public var reviewNote: String?
        public var submittedAt: Date
        public var verifiedAt: Date?
        public var notifiedAt: Date?
        public var remediations: [Remediation]
    }

    public struct Notice: Sendable {
        public var code: String
        public var unit: String
        public var issuedAt: Date
        public var findings: [String]
        public var signedAt: Date? = nil
        public var signedBy: String? = nil
    }

    public var campaign: Campaign
    public var units: [Unit]
    public var assets: [Asset]
    public var teams: [Team]
    public var findings: [Finding]
    public var notices: [Notice]
}
