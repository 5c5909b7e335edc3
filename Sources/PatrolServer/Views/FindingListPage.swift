import Fluent
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
    }

    typealias Option = SelectOption
    var rows: [Row]
    var units: [Option]
    var teams: [Option]
    var statuses: [Option]
    var severities: [Option]
    var sorts: [Option]
    var showTeam: Bool
    var canSubmit: Bool
    var windowOpen: Bool
    var newHref: String
    var heading: String
}

extension FindingListPage {
    /// The page over `all`, every finding the reader may see (units and teams loaded).
    init(_ req: Request, campaign: Campaign, all: [Finding], filter: Filter) throws {
        let actor = try req.requireActor()
        let scope = AccessPolicy.findingScope(for: actor)
        // Duplicate hints are computed over everything the reader sees, before filtering.
        var keyCount: [String: Int] = [:]
        for f in all { for k in f.duplicateKeys { keyCount[k, default: 0] += 1 } }
        var rows = all
        if let u = filter.unit?.nonEmpty { rows = rows.filter { $0.unit.code == u } }
        if let t = filter.team?.nonEmpty { rows = rows.filter { $0.team.code == t } }
        if let s = filter.status?.nonEmpty.flatMap(FindingStatus.init(rawValue:)) {
            rows = rows.filter { FindingWorkflow.publicStatus($0.status) == s || $0.status == s }
        }
        if let s = filter.severity?.nonEmpty.flatMap(Severity.init(rawValue:)) { rows = rows.filter { $0.severity == s } }
        let newestFirst = filter.sort == "newest"
        rows.sort { newestFirst ? $0.submittedAt > $1.submittedAt : $0.submittedAt < $1.submittedAt }
        let now = Date()
        let showTeam = AccessPolicy.decide(actor, .viewTestingDetails) == .allow
        // "Possible duplicate" is the reviewers' triage hint, not something to tell a unit or a team.
        let showDuplicates = AccessPolicy.decide(actor, .reviewFindings) == .allow
        self.init(
            rows: rows.map { f in
                Row(code: f.code, href: campaign.url(.finding(.value(f.code), .page)).path, title: f.title, unitCode: f.unit.code, unitName: f.unit.name,
                    status: FindingWorkflow.publicStatus(f.status).rawValue,
                    statusName: req.t("finding.status.\(f.status.rawValue)"), kindName: req.t("finding.kind.\(f.kind.rawValue)"),
                    submittedAt: req.timeText(f.submittedAt, in: campaign), // Waiting time only means something while the finding waits for a review.
                    age: [.submitted, .needInfo].contains(f.status) ? req.ageText(now.timeIntervalSince(f.submittedAt)) : "",
                    team: showTeam ? f.team.code : nil, severity: f.severity?.rawValue,
                    severityName: f.severity.map { req.t("finding.severity.\($0.rawValue)") },
                    duplicateHint: showDuplicates && f.duplicateKeys.contains { (keyCount[$0] ?? 0) > 1 },
                    waitingInfo: f.status == .needInfo)
            },
            units: Array(Set(all.map { "\($0.unit.code)\t\($0.unit.name)" })).sorted().map {
                let p = $0.split(separator: "\t", maxSplits: 1).map(String.init)
                return .init(value: p[0], label: "\(p[0]) \(p[1])", selected: p[0] == filter.unit)
            },
            teams: showTeam ? Array(Set(all.map(\.team.code))).sorted().map { .init(value: $0, label: $0, selected: $0 == filter.team) } : [],
            statuses: FindingStatus.allCases.filter { scope.includesUnnotified || $0.isNotified }.map {
                .init(value: $0.rawValue, label: req.t("finding.status.\($0.rawValue)"), selected: $0.rawValue == filter.status)
            },
            severities: Severity.allCases.map {
                .init(value: $0.rawValue, label: req.t("finding.severity.\($0.rawValue)"), selected: $0.rawValue == filter.severity)
            },
            sorts: [.init(value: "oldest", label: req.t("findings.sort.oldest"), selected: !newestFirst),
                    .init(value: "newest", label: req.t("findings.sort.newest"), selected: newestFirst)],
            showTeam: showTeam, canSubmit: AccessPolicy.decide(actor, .submitFinding) == .allow,
            windowOpen: campaign.testingWindow.isOpen(at: now),
            newHref: campaign.url(.newFinding).path,
            heading: req.t(scope.headingKey))
    }
}
