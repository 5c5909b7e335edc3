import Foundation

/// Checks a campaign bundle record by record and types it; the first problem is thrown with the
/// record's code and field, so an import either takes the whole document or nothing.
public enum BundleValidator {
    public static func check(_ bundle: CampaignBundle) throws(BundleError) -> CheckedBundle {
        var checker = try BundleChecker(head: bundle)
        var findings: [CheckedBundle.Finding] = []
        findings.reserveCapacity(bundle.findings.count)
        for f in bundle.findings { findings.append(try checker.check(f)) }
        try checker.finish()
        var checked = checker.head
        checked.findings = findings
        return checked
    }

    /// Everything but the findings, whose checks `BundleChecker` makes one at a time.
    static func checkHead(_ bundle: CampaignBundle) throws(BundleError) -> (CheckedBundle, units: Set<String>,
                                                                          assetUnit: [String: String], teams: Set<String>) {
        guard bundle.format == CampaignBundle.formatName else {
            throw BundleError(record: "document", problem: .wrongFormat(bundle.format))
        }
        let campaign = try checkCampaign(bundle.campaign)

        var unitCodes = Set<String>()
        var units: [CheckedBundle.Unit] = []
        for u in bundle.units {
            let rec = "unit \(u.code)"
            try nonEmpty(u.code, "code", rec)
            guard unitCodes.insert(u.code).inserted else { throw BundleError(record: rec, problem: .duplicateCode(u.code)) }
            try nonEmpty(u.name, "name", rec)
            try nonEmpty(u.category, "category", rec)
            let group: UnitGroup = try enumValue(u.group, "group", rec)
            var liaisons: [CheckedBundle.Liaison] = []
            for l in u.liaisons ?? [] {
                try nonEmpty(l.name, "liaison name", rec)
                guard let phone = Phone.normalizedMainlandMobile(l.phone) else {
                    throw BundleError(record: rec, problem: .invalidPhone(l.phone))
                }
                liaisons.append(.init(name: l.name, phone: phone, officePhone: l.officePhone, email: l.email))
            }
            units.append(.init(code: u.code, name: u.name, category: u.category, group: group,
                               parent: u.parent, note: u.note, liaisons: liaisons))
        }
        for u in units {
            if let parent = u.parent, !unitCodes.contains(parent) || parent == u.code {
                throw BundleError(record: "unit \(u.code)", problem: .unknownReference(field: "parent", value: parent))
            }
        }

        var assetUnit: [String: String] = [:]
        var assets: [CheckedBundle.Asset] = []
        for a in bundle.assets {
            let rec = "asset \(a.code)"
            try nonEmpty(a.code, "code", rec)
            guard assetUnit[a.code] == nil else { throw BundleError(record: rec, problem: .duplicateCode(a.code)) }
            guard unitCodes.contains(a.unit) else { throw BundleError(record: rec, problem: .unknownReference(field: "unit", value: a.unit)) }
            let kind: AssetKind = try enumValue(a.kind, "kind", rec)
            let origin: AssetOrigin = try enumValue(a.origin, "origin", rec)
            try nonEmpty(a.target, "target", rec)
            let review: AssetReview = try a.review.map { r throws(BundleError) in try enumValue(r, "review", rec) } ?? .approved
            assetUnit[a.code] = a.unit
            assets.append(.init(code: a.code, unit: a.unit, kind: kind, target: a.target, ports: a.ports, origin: origin, note: a.note,
                                internalNetwork: a.internalNetwork ?? false, review: review, reviewReason: a.reviewReason))
        }

        var teamCodes = Set<String>()
        var teams: [CheckedBundle.Team] = []
        for t in bundle.teams {
            let rec = "team \(t.code)"
            try nonEmpty(t.code, "code", rec)
            guard teamCodes.insert(t.code).inserted else { throw BundleError(record: rec, problem: .duplicateCode(t.code)) }
            try nonEmpty(t.name, "name", rec)
            let state: TeamState = try t.state.map { s throws(BundleError) in try enumValue(s, "state", rec) } ?? .active
            teams.append(.init(code: t.code, name: t.name, company: t.company, state: state))
        }

        // A notice's findings are checked once every finding has been seen (`BundleChecker.finish`).
        var noticeCodes = Set<String>()
        var notices: [CheckedBundle.Notice] = []
        for n in bundle.notices ?? [] {
            let rec = "notice \(n.code)"
            try nonEmpty(n.code, "code", rec)
            guard noticeCodes.insert(n.code).inserted else { throw BundleError(record: rec, problem: .duplicateCode(n.code)) }
            guard unitCodes.contains(n.unit) else { throw BundleError(record: rec, problem: .unknownReference(field: "unit", value: n.unit)) }
            let issuedAt = try time(n.issuedAt, "issuedAt", rec)
            var signedAt: Date?
            if let text = n.signedAt { signedAt = try time(text, "signedAt", rec) }
            if let signedAt, signedAt < issuedAt { throw BundleError(record: rec, problem: .inconsistent("signedAt is before issuedAt")) }
            if signedAt != nil, (n.signedBy ?? "").isEmpty { throw BundleError(record: rec, problem: .emptyField("signedBy")) }
            notices.append(.init(code: n.code, unit: n.unit, issuedAt: issuedAt, findings: n.findings, signedAt: signedAt,
                                 signedBy: signedAt == nil ? nil : n.signedBy))
        }
        let head = CheckedBundle(campaign: campaign, units: units, assets: assets, teams: teams, findings: [], notices: notices)
        return (head, unitCodes, assetUnit, teamCodes)
    }

    static func checkCampaign(_ c: CampaignBundle.Campaign) throws(BundleError) -> CheckedBundle.Campaign {
        let rec = "campaign \(c.code)"
        try nonEmpty(c.code, "code", rec)
        guard CampaignCode.isValid(c.code) else {
            throw BundleError(record: rec, problem: .invalidValue(field: "code", value: c.code, allowed: ["A-Z a-z 0-9 - _, at most 32"]))
        }
        try nonEmpty(c.name, "name", rec)
        let tzName = c.timeZone ?? "Asia/Shanghai"
        guard let tz = TimeZone(identifier: tzName) else { throw BundleError(record: rec, problem: .invalidTimeZone(tzName)) }
        let starts = try time(c.startsAt, "startsAt", rec)
        let ends = try time(c.endsAt, "endsAt", rec)
        guard ends > starts else { throw BundleError(record: rec, problem: .windowBackwards) }
        let scoredAt = try c.scoredAt.map { s throws(BundleError) in try time(s, "scoredAt", rec) }
        let state: CampaignState = try c.state.map { s throws(BundleError) in try enumValue(s, "state", rec) } ?? .draft
        if let phone = c.office?.contactPhone, !CampaignOffice.isDialable(phone) {
            throw BundleError(record: rec, problem: .invalidValue(field: "office.contactPhone", value: phone, allowed: ["a phone number"]))
        }
        return .init(code: c.code, name: c.name, timeZone: tz, startsAt: starts, endsAt: ends, scoredAt: scoredAt,
                     state: state, demo: c.demo ?? false, scoringPolicy: c.scoringPolicy ?? .standard,
                     office: c.office ?? CampaignOffice())
    }

    /// One finding's own checks; whether its `duplicateOf` exists is `BundleChecker`'s, which sees them all.
    static func checkFinding(_ f: CampaignBundle.Finding, units: Set<String>, assetUnit: [String: String],
                             teams: Set<String>) throws(BundleError) -> CheckedBundle.Finding {
        let rec = "finding \(f.code)"
        guard units.contains(f.unit) else { throw BundleError(record: rec, problem: .unknownReference(field: "unit", value: f.unit)) }
        if let asset = f.asset {
            guard let owner = assetUnit[asset] else { throw BundleError(record: rec, problem: .unknownReference(field: "asset", value: asset)) }
            guard owner == f.unit else { throw BundleError(record: rec, problem: .assetOfOtherUnit(asset: asset, unit: f.unit)) }
        }
        guard teams.contains(f.team) else { throw BundleError(record: rec, problem: .unknownReference(field: "team", value: f.team)) }
        let kind: FindingKind = try enumValue(f.kind, "kind", rec)
        let severity: Severity? = try f.severity.map { s throws(BundleError) in try enumValue(s, "severity", rec) }
        if kind == .vulnerability, severity == nil { throw BundleError(record: rec, problem: .missingField("severity")) }
        let status: FindingStatus = try enumValue(f.status, "status", rec)
        try nonEmpty(f.title, "title", rec)
        let records = f.sensitiveRecords ?? 0
        guard records >= 0 else { throw BundleError(record: rec, problem: .negative(field: "sensitiveRecords")) }
        if status == .duplicate {
            guard let original = f.duplicateOf else { throw BundleError(record: rec, problem: .missingField("duplicateOf")) }
            guard original != f.code else {
                throw BundleError(record: rec, problem: .unknownReference(field: "duplicateOf", value: original))
            }
        }
        let submittedAt = try time(f.submittedAt, "submittedAt", rec)
        let verifiedAt = try f.verifiedAt.map { s throws(BundleError) in try time(s, "verifiedAt", rec) }
        let notifiedAt = try f.notifiedAt.map { s throws(BundleError) in try time(s, "notifiedAt", rec) }
        if status.isNotified, notifiedAt == nil { throw BundleError(record: rec, problem: .missingField("notifiedAt")) }

        var remediations: [CheckedBundle.Remediation] = []
        let raw = f.remediations ?? []
        for (i, r) in raw.enumerated() {
            let field = "remediations[\(i)]"
            let retest: RetestResult? = try r.retest.map { s throws(BundleError) in try enumValue(s, "\(field).retest", rec) }
            if retest == nil, i != raw.count - 1 {
                throw BundleError(record: rec, problem: .inconsistent("\(field) has no retest but is not the latest report"))
            }
            if retest == .passed, i != raw.count - 1 {
                throw BundleError(record: rec, problem: .inconsistent("\(field) passed its retest but is not the latest report"))
            }
            remediations.append(.init(
                submittedAt: try time(r.submittedAt, "\(field).submittedAt", rec), description: r.description,
                shellsDeleted: r.shellsDeleted ?? [], retest: retest, retestReason: r.retestReason,
                retestedAt: try r.retestedAt.map { s throws(BundleError) in try time(s, "\(field).retestedAt", rec) }))
        }
        if !remediations.isEmpty, notifiedAt == nil {
            throw BundleError(record: rec, problem: .inconsistent("has remediation reports but no notifiedAt"))
        }
        switch status {
        case .closed where remediations.last?.retest != .passed:
            throw BundleError(record: rec, problem: .inconsistent("status closed needs a latest report whose retest passed"))
        case .remediated where remediations.isEmpty || remediations.last?.retest != nil:
            throw BundleError(record: rec, problem: .inconsistent("status remediated needs a latest report awaiting retest"))
        case .notified where remediations.last.map({ $0.retest != .failed }) ?? false:
            throw BundleError(record: rec, problem: .inconsistent("status notified but the latest report is not a failed retest"))
        default: break
        }
        return .init(code: f.code, unit: f.unit, asset: f.asset, team: f.team, kind: kind, severity: severity, type: f.type,
                     weakPassword: f.weakPassword ?? false, sensitiveRecords: records, title: f.title,
                     description: f.description, reproduction: f.reproduction, url: f.url, shellPaths: f.shellPaths ?? [],
                     status: status, duplicateOf: f.duplicateOf, reviewNote: f.reviewNote, submittedAt: submittedAt,
                     verifiedAt: verifiedAt, notifiedAt: notifiedAt, remediations: remediations)
    }

    static func nonEmpty(_ value: String, _ field: String, _ record: String) throws(BundleError) {
        if value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw BundleError(record: record, problem: .emptyField(field))
        }
    }

    static func enumValue<E: RawRepresentable & CaseIterable>(_ raw: String, _ field: String, _ record: String) throws(BundleError) -> E where E.RawValue == String {
        guard let value = E(rawValue: raw) else {
            throw BundleError(record: record, problem: .invalidValue(field: field, value: raw, allowed: E.allCases.map(\.rawValue)))
        }
        return value
    }

    static func time(_ raw: String, _ field: String, _ record: String) throws(BundleError) -> Date {
        guard let date = BundleDate.parse(raw) else { throw BundleError(record: record, problem: .invalidTime(field: field, value: raw)) }
        return date
    }
}
