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
    /// With more units than a menu can hold, the unit filter is typed (code or part of the name);
    /// this is what was typed (non-nil: show the text field).
    var unitText: String?
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
        // The reader's findings without their units and teams loaded: filtered, counted and paged
        // as ids alone, so a deep page walks an index, not the rows it skips.
        let plain = { Finding.query(on: req.db, campaignID: try campaign.requireID(), scope: scope) }
        let query = try plain()
        if let u = filter.unit?.nonEmpty?.trimmingCharacters(in: .whitespaces) {
            query.filter(\.$unit.$id ~~ (try await Self.units(matching: u, in: campaign, on: req.db)))
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
        // Each order ends on a unique column and matches an index (021, 024), ties by id.
        switch order {
        case .oldest: query.sort(\.$submittedAt).sort(\.$id)
        case .newest: query.sort(\.$submittedAt, .descending).sort(\.$id, .descending)
        case .code: query.sort(\.$code)
        case .unit: query.join(PatrolStore.Unit.self, on: \Finding.$unit.$id == \PatrolStore.Unit.$id)
            .sort(PatrolStore.Unit.self, \.$code).sort(\.$submittedAt).sort(\.$id)
        case .severity:
            // Worst first; findings without a severity (not vulnerabilities) after every level.
            query.sort(.custom(SQLRaw(Finding.severityRankSQL))).sort(\.$submittedAt).sort(\.$id)
        }
        let ids = try await query.field(\.$id).offset(pager.offset).limit(pager.size).all().map { try $0.requireID() }
        let loaded = ids.isEmpty ? [] : try await lifecycle.visibleFindings(in: campaign).filter(\.$id ~~ ids).all()
        let position = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        let page = loaded.sorted { position[$0.id!]! < position[$1.id!]! }

        let showTeam = AccessPolicy.decide(actor, .viewTestingDetails) == .allow
        // "Possible duplicate" is the reviewers' triage hint, not something to tell a unit or a team.
        let showDuplicates = AccessPolicy.decide(actor, .reviewFindings) == .allow
        let hinted = showDuplicates && scope == .all ? try await Self.possibleDuplicates(of: page, in: campaign, on: req.db) : []
        let now = Date()
        // A menu offers the units that have findings the reader sees, while they fit in one; past
        // that (a province) the unit is typed, and nothing is counted over every finding.
        let typed = try await campaign.$units.query(on: req.db).count() > Self.unitMenuLimit
        let units = typed ? [] : try await PatrolStore.Unit.query(on: req.db)
            .filter(\.$id ~~ (try await Self.options(query: try plain(), field: \.$unit.$id))).sort(\.$code).all()
        // The campaign's teams (a few dozen at most).
        let teams = showTeam ? try await campaign.$teams.query(on: req.db).sort(\.$code).all() : []
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
            unitText: typed ? (filter.unit ?? "") : nil,
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

    /// Campaigns with more units than this get a typed unit filter instead of a menu.
    static let unitMenuLimit = 200

    /// The campaign's units a typed filter names: the unit with that code, else those whose name
    /// contains the text (at most a hundred, which is already more than a filter is for).
    static func units(matching text: String, in campaign: Campaign, on db: any Database) async throws -> [UUID] {
        if let exact = try await campaign.$units.query(on: db).filter(\.$code == text.uppercased()).first() {
            return [try exact.requireID()]
        }
        return try await campaign.$units.query(on: db).filter(\.$name ~~ text).limit(100).all().map { try $0.requireID() }
    }

    /// Which findings of `page` share a unit, asset or address and type with another finding of the
    /// campaign (`Finding.duplicateKeys`; reviewers, who see every finding): compared with the
    /// other findings of the page's units only, which is where a key can repeat.
    private static func possibleDuplicates(of page: [Finding], in campaign: Campaign, on db: any Database) async throws -> Set<UUID> {
        let count = try await Finding.duplicateKeyCounts(campaignID: try campaign.requireID(),
                                                         units: Array(Set(page.map { $0.$unit.id })), on: db)
        return Set(page.filter { $0.duplicateKeys.contains { (count[$0] ?? 0) > 1 } }.compactMap(\.id))
    }
}
