import Foundation

/// A whole campaign as one JSON document (SPEC §7), `format: "patrol.campaign.v1"`.
///
/// Enumerations and times are kept as the strings of the document so that a bad value can be
/// reported with the record that holds it (see `BundleValidator`) instead of failing the decoder.
public struct CampaignBundle: Codable, Sendable, Equatable {
    public static let formatName = "patrol.campaign.v1"

    public var format: String
    public var campaign: Campaign
    public var units: [Unit]
    public var assets: [Asset]
    public var teams: [Team]
    public var findings: [Finding]
    public var notices: [Notice]?

    public init(campaign: Campaign, units: [Unit] = [], assets: [Asset] = [], teams: [Team] = [],
                findings: [Finding] = [], notices: [Notice]? = nil) {
        self.format = Self.formatName
        self.campaign = campaign
        self.units = units
        self.assets = assets
        self.teams = teams
        self.findings = findings
        self.notices = notices
    }

    public struct Campaign: Codable, Sendable, Equatable {
        public var code: String
        public var name: String
        public var timeZone: String?
        public var startsAt: String
        public var endsAt: String
        public var scoredAt: String?
        public var state: String?
        public var demo: Bool?
        public var scoringPolicy: ScoringPolicy?
        /// The issuing office and its contacts; absent when none was set.
        public var office: CampaignOffice?

        public init(code: String, name: String, timeZone: String? = nil, startsAt: String, endsAt: String,
                    scoredAt: String? = nil, state: String? = nil, demo: Bool? = nil, scoringPolicy: ScoringPolicy? = nil,
                    office: CampaignOffice? = nil) {
            self.code = code; self.name = name; self.timeZone = timeZone; self.startsAt = startsAt
            self.endsAt = endsAt; self.scoredAt = scoredAt; self.state = state; self.demo = demo
            self.scoringPolicy = scoringPolicy; self.office = office
        }
    }

    public struct Liaison: Codable, Sendable, Equatable {
        public var name: String
        public var phone: String
        /// The office line and email, for calls; absent when not given.
        public var officePhone: String?
        public var email: String?
        public init(name: String, phone: String, officePhone: String? = nil, email: String? = nil) {
            self.name = name; self.phone = phone; self.officePhone = officePhone; self.email = email
        }
    }

    public struct Unit: Codable, Sendable, Equatable {
        public var code: String
        public var name: String
        public var category: String
        public var group: String
        public var parent: String?
        public var note: String?
        public var liaisons: [Liaison]?

        public init(code: String, name: String, category: String, group: String, parent: String? = nil,
                    note: String? = nil, liaisons: [Liaison]? = nil) {
            self.code = code; self.name = name; self.category = category; self.group = group
            self.parent = parent; self.note = note; self.liaisons = liaisons
        }
    }

    public struct Asset: Codable, Sendable, Equatable {
        public var code: String
        public var unit: String
        public var kind: String
        public var target: String
        public var ports: String?
        public var origin: String
        public var note: String?
        /// An admin's mark that the asset is an internal network (may open special addresses);
        /// absent means not marked, so bundles written before it read the same.
        public var internalNetwork: Bool?
        /// The organiser's review (`AssetReview`); absent means approved (SPEC §2), so bundles
        /// written before review existed import with their assets in scope.
        public var review: String?
        public var reviewReason: String?

        public init(code: String, unit: String, kind: String, target: String, ports: String? = nil,
                    origin: String, note: String? = nil, internalNetwork: Bool? = nil, review: String? = nil,
                    reviewReason: String? = nil) {
            self.code = code; self.unit = unit; self.kind = kind; self.target = target
            self.ports = ports; self.origin = origin; self.note = note; self.internalNetwork = internalNetwork
            self.review = review; self.reviewReason = reviewReason
        }
    }

    public struct Team: Codable, Sendable, Equatable {
        public var code: String
        public var name: String
        public var company: String?
        public var state: String?

        public init(code: String, name: String, company: String? = nil, state: String? = nil) {
            self.code = code; self.name = name; self.company = company; self.state = state
        }
    }

    public struct Remediation: Codable, Sendable, Equatable {
        public var submittedAt: String
        public var description: String?
        public var shellsDeleted: [String]?
        public var retest: String?
        public var retestReason: String?
        public var retestedAt: String?

        public init(submittedAt: String, description: String? = nil, shellsDeleted: [String]? = nil,
                    retest: String? = nil, retestReason: String? = nil, retestedAt: String? = nil) {
            self.submittedAt = submittedAt; self.description = description; self.shellsDeleted = shellsDeleted
            self.retest = retest; self.retestReason = retestReason; self.retestedAt = retestedAt
        }
    }

    public struct Finding: Codable, Sendable, Equatable {
        public var code: String
        public var unit: String
        public var asset: String?
        public var team: String
        public var kind: String
        public var severity: String?
        public var type: String?
        public var weakPassword: Bool?
        public var sensitiveRecords: Int?
        public var title: String
        public var description: String?
        public var reproduction: String?
        public var url: String?
        public var shellPaths: [String]?
        public var status: String
        public var duplicateOf: String?
        public var reviewNote: String?
        public var submittedAt: String
        public var verifiedAt: String?
        public var notifiedAt: String?
        public var remediations: [Remediation]?

        public init(code: String, unit: String, asset: String? = nil, team: String, kind: String,
                    severity: String? = nil, type: String? = nil, weakPassword: Bool? = nil,
                    sensitiveRecords: Int? = nil, title: String, description: String? = nil,
                    reproduction: String? = nil, url: String? = nil, shellPaths: [String]? = nil,
                    status: String, duplicateOf: String? = nil, reviewNote: String? = nil,
                    submittedAt: String, verifiedAt: String? = nil, notifiedAt: String? = nil,
                    remediations: [Remediation]? = nil) {
            self.code = code; self.unit = unit; self.asset = asset; self.team = team; self.kind = kind
            self.severity = severity; self.type = type; self.weakPassword = weakPassword
            self.sensitiveRecords = sensitiveRecords; self.title = title; self.description = description
            self.reproduction = reproduction; self.url = url; self.shellPaths = shellPaths; self.status = status
            self.duplicateOf = duplicateOf; self.reviewNote = reviewNote; self.submittedAt = submittedAt
            self.verifiedAt = verifiedAt; self.notifiedAt = notifiedAt; self.remediations = remediations
        }
    }

    public struct Notice: Codable, Sendable, Equatable {
        public var code: String
        public var unit: String
        public var issuedAt: String
        public var findings: [String]
        /// The receipt (签收): when the unit's liaison signed for the notice, and their name.
        public var signedAt: String?
        public var signedBy: String?

        public init(code: String, unit: String, issuedAt: String, findings: [String], signedAt: String? = nil, signedBy: String? = nil) {
            self.code = code; self.unit = unit; self.issuedAt = issuedAt; self.findings = findings
            self.signedAt = signedAt; self.signedBy = signedBy
        }
    }
}

extension CampaignBundle {
    /// Reads a bundle; a document that is not one names where it breaks (`findings[3]: missing "code"`).
    public static func decode(_ data: Data) throws(BundleError) -> CampaignBundle {
        do {
            return try JSONDecoder().decode(CampaignBundle.self, from: data)
        } catch let error as DecodingError {
            throw BundleError.fromDecoding(error, data: data)
        } catch {
            throw BundleError(record: "document", problem: .notJSON(String(describing: error)))
        }
    }

    /// The canonical text of a bundle (`BundleWriter`): sorted keys, two-space indentation,
    /// records in code order, so that export → import → export is byte-for-byte the same document.
    public func encoded() throws -> Data {
        var data = Data()
        var writer = BundleWriter { data.append($0) }
        try writer.begin()
        try writer.beginList(.assets)
        for a in assets { try writer.entry(a) }
        try writer.endList()
        try writer.member(.campaign, campaign)
        try writer.beginList(.findings)
        for f in findings { try writer.entry(f) }
        try writer.endList()
        try writer.member(.format, format)
        if let notices { try writer.member(.notices, notices) }
        try writer.member(.teams, teams)
        try writer.member(.units, units)
        try writer.end()
        return data
    }
}
