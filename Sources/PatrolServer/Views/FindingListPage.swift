import Fluent
import SQLKit
import PatrolCore
import PatrolStore
import Vapor

/// The findings list and review queue (`findings` template): the findings the reader may see,
/// filtered and sorted as asked, with the filters' options and duplicate hints.
struct FindingListPage: Encodable {
    struct Row: Encodable {
        var code, href, title, unitCode, unitName, status, statusName, kindName, submittedAt, age: String
        var team: String?
        var severity: String?
        var severityName: String?
        var duplicateHint: Bool
        var waitingInfo: Bool
    }

    /// What the list may be narrowed to, from the query string.
    struct Filter: Decodable {
        var unit: String?
        var team: String?
        var status: String?
        var severity: String?
        var sort: String?
        /// Words to find in the code, title or address.
        var q: String?
        var page: Int?
    }

    /// The orders the list offers; the first is the default.
    enum Order: String, CaseIterable {
        case oldest, newest, severity, unit, code
    }

    typealias Option = SelectOption
    var rows: [Row]
    var units: [Option]
    var teams: [Option]
    var statuses: [Option]
    var severities: [Option]
    var sorts: [Option]
    var q: String
    var pager: Pager
    var showTeam: Bool
    var canSubmit: Bool
    var windowOpen: Bool
    var newHref: String
    var heading: String
}

extension FindingListPage {
    /// One page of the findings the reader may see, filtered, searched and sorted in the database:
    /// the page's rows and the list's total, never the whole campaign.
    init(_ req: Request, campaign: Campaign, filter: Filter) async throws {
        let actor = try req.requireActor()
        let scope = AccessPolicy.findingScope(for: actor)
        let lifecycle = try req.lifecycle()
        let query = try lifecycle.visibleFindings(in: campaign)
        if let u = filter.unit?.nonEmpty {
            query.filter(\.$unit.$id == (try await PatrolStore.Unit.query(on: req.db).filter(\.$code == u).first()?.id ?? UUID()))
        }
        if let t = filter.team?.nonEmpty {
            query.filter(\.$team.$id == (try await Team.query(on: req.db).filter(\.$code == t).first()?.id ?? UUID()))
        }
        if let s = filter.status?.nonEmpty.flatMap(FindingStatus.init(rawValue:)) {
            // The public `submitted` includes findings waiting for information, except for those
            // who review: their queue (and its count in the to-do list) is what waits for them.
            let reviews = AccessPolicy.decide(actor, .reviewFindings) == .allow
            if s == .submitted && !reviews { query.filter(\.$status ~~ [.submitted, .needInfo]) } else { query.filter(\.$status == s) }
        }
        if let s = filter.severity?.nonEmpty.flatMap(Severity.init(rawValue:)) { query.filter(\.$severity == s) }
        let words = (filter.q ?? "").split(whereSeparator: \.isWhitespace).map(String.init).prefix(5)
        for word in words {
            // Codes are upper case; titles and addresses are matched as typed (Chinese has no case).
            query.group(.or) { or in
                or.filter(\.$code ~~ word.uppercased()).filter(\.$title ~~ word).filter(\.$url ~~ word)
            }
        }
        let total = try await query.copy().count()
        let order = filter.sort.flatMap(Order.init(rawValue:)) ?? .oldest
        let pager = Pager(req, total: total, asked: filter.page, url: campaign.url(.findings),
                          query: [("unit", filter.unit), ("team", filter.team), ("status", filter.status),
                                  ("severity", filter.severity), ("q", filter.q), ("sort", order == .oldest ? nil : order.rawValue)])
        switch order {
        case .oldest: query.sort(\.$submittedAt).sort(\.$code)
        case .newest: query.sort(\.$submittedAt, .descending).sort(\.$code, .descending)
        case .code: query.sort(\.$code)
        case .unit: query.join(PatrolStore.Unit.self, on: \Finding.$unit.$id == \PatrolStore.Unit.$id)
            .sort(PatrolStore.Unit.self, \.$code).sort(\.$submittedAt)
        case .severity:
            // Worst first; findings without a severity (not vulnerabilities) after every level.
            query.sort(.custom(SQLQueryString(
                "CASE \(ident: "findings").\(ident: "severity") WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END")))
                .sort(\.$submittedAt)
        }
        let page = try await query.offset(pager.offset).limit(pager.size).all()

        let showTeam = AccessPolicy.decide(actor, .viewTestingDetails) == .allow
        // "Possible duplicate" is the reviewers' triage hint, not something to tell a unit or a team.
        let showDuplicates = AccessPolicy.decide(actor, .reviewFindings) == .allow
        // The reader's findings without their units and teams loaded, for counting and options.
        let plain = { Finding.query(on: req.db, campaignID: try campaign.requireID(), scope: scope) }
        let hinted = showDuplicates ? try await Self.possibleDuplicates(of: page, among: try plain()) : []
        let now = Date()
        // The filters offer the units and teams that have findings the reader sees.
        let unitOptions = try await Self.options(query: try plain(), field: \.$unit.$id)
        let units = try await PatrolStore.Unit.query(on: req.db).filter(\.$id ~~ unitOptions).sort(\.$code).all()
        let teams = showTeam
            ? try await Team.query(on: req.db).filter(\.$id ~~ (try await Self.options(query: try plain(), field: \.$team.$id)))
                .sort(\.$code).all()
            : []
        self.init(
            rows: page.map { f in
                Row(code: f.code, href: campaign.url(.finding(.value(f.code), .page)).path, title: f.title, unitCode: f.unit.code, unitName: f.unit.name,
                    status: FindingWorkflow.publicStatus(f.status).rawValue,
                    statusName: req.t("finding.status.\(f.status.rawValue)"), kindName: req.t("finding.kind.\(f.kind.rawValue)"),
                    submittedAt: req.timeText(f.submittedAt, in: campaign), // Waiting time only means something while the finding waits for a review.
                    age: [.submitted, .needInfo].contains(f.status) ? req.ageText(now.timeIntervalSince(f.submittedAt)) : "",
                    team: showTeam ? f.team.code : nil, severity: f.severity?.rawValue,
                    severityName: f.severity.map { req.t("finding.severity.\($0.rawValue)") },
                    duplicateHint: f.id.map(hinted.contains) ?? false,
                    waitingInfo: f.status == .needInfo)
            },
            units: units.map { .init(value: $0.code, label: "\($0.code) \($0.name)", selected: $0.code == filter.unit) },
            teams: teams.map { .init(value: $0.code, label: $0.code, selected: $0.code == filter.team) },
            statuses: FindingStatus.allCases.filter { scope.includesUnnotified || $0.isNotified }.map {
                .init(value: $0.rawValue, label: req.t("finding.status.\($0.rawValue)"), selected: $0.rawValue == filter.status)
            },
            severities: Severity.allCases.map {
                .init(value: $0.rawValue, label: req.t("finding.severity.\($0.rawValue)"), selected: $0.rawValue == filter.severity)
            },
            sorts: Order.allCases.map { .init(value: $0.rawValue, label: req.t("findings.sort.\($0.rawValue)"), selected: $0 == order) },
            q: filter.q ?? "", pager: pager,
            showTeam: showTeam, canSubmit: AccessPolicy.decide(actor, .submitFinding) == .allow,
            windowOpen: campaign.testingWindow.isOpen(at: now),
            newHref: campaign.url(.newFinding).path,
            heading: req.t(scope.headingKey))
    }

    /// The distinct values of one column over the reader's findings (the filter's options).
    private static func options(query: QueryBuilder<Finding>,
                                field: KeyPath<Finding, FieldProperty<Finding, UUID>>) async throws -> [UUID] {
        try await query.unique().field(field).all().map { $0[keyPath: field].value! }
    }

    /// Which findings of `page` share a unit, asset or address and type with another finding the
    /// reader sees (`Finding.duplicateKeys`): compared with the other findings of the page's units
    /// only, which is where a key can repeat.
    private static func possibleDuplicates(of page: [Finding], among visible: QueryBuilder<Finding>) async throws -> Set<UUID> {
        let unitIDs = Array(Set(page.map { $0.$unit.id }))
        guard !unitIDs.isEmpty else { return [] }
        let neighbours = try await visible.filter(\.$unit.$id ~~ unitIDs)
            .filter(\.$status !~ [.rejected, .duplicate]).all()
        var count: [String: Int] = [:]
        for f in neighbours { for k in f.duplicateKeys { count[k, default: 0] += 1 } }
        return Set(page.filter { $0.duplicateKeys.contains { (count[$0] ?? 0) > 1 } }.compactMap(\.id))
    }
}
