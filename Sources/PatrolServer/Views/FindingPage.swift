import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// A finding's page (`finding` template): what was found, its history, its files, and the step
/// its reader may take now (review, remediation report, retest, notice).
struct FindingPage: Encodable {
    struct Report: Encodable { var submittedAt, description, result, resultName, reason, decidedAt: String; var shells: [String] }
    struct Mark: Encodable { var hours: Int; var at, left: String; var passed: Bool }
    struct Related: Encodable { var code, href, title, statusName: String }
    /// Where the page's links and forms go.
    struct Links: Encodable {
        var findings, edit, notices, evidence, review, remediations, shellCheck, retests: String
        var notice: String?
        var duplicateOf: String?
    }
    typealias Option = SelectOption
    struct Evidence: Encodable { var href, name, size, uploadedAt: String; var image: Bool }
    var links: Links
    var code, title, status, statusName, kindName: String
    var severityName: String?
    var type, url, description, reproduction: String?
    var unitCode, unitName: String
    var asset: String?
    var team: String?
    var weakPassword: Bool
    var sensitiveRecords: Int
    var shellPaths: [String]
    var submittedAt, verifiedAt, notifiedAt, closedAt: String
    var reviewNote: String?
    var infoRequest: String?
    var notice: String?
    var duplicateOf: String?
    var reports: [Report]
    var marks: [Mark]
    /// Where remediation stands, in words (SPEC §3): a report waiting for its retest, or a retest
    /// that failed; nil while nothing was reported.
    var remediationState: String?
    var remediationDetail: String?
    var remediationWaiting: Bool
    var canReview: Bool
    var canEdit: Bool
    var canRemediate: Bool
    var canRetest: Bool
    var canNotify: Bool
    var related: [Related]
    var severities: [Option]
    var evidence: [Evidence]
    var canAttach: Bool
    var uploadLimit: String
    var shellChecks: [ShellCheck.Result]?
    var error: String?
}

extension FindingPage {
    init(_ req: Request, campaign: Campaign, finding f: Finding, error: String? = nil,
         shellChecks: [ShellCheck.Result]? = nil) async throws {
        let actor = try req.requireActor()
        let testingDetails = AccessPolicy.decide(actor, .viewTestingDetails) == .allow
        let reports = try await RemediationReport.query(on: req.db).filter(\.$finding.$id == (try f.requireID()))
            .with(\.$retests).sort(\.$submittedAt).all()
        let notice = try await f.$notice.get(on: req.db)
        var duplicateOf: String?
        if let id = f.$duplicateOf.id { duplicateOf = try await Finding.find(id, on: req.db)?.code }
        let now = Date()
        var marks: [Mark] = []
        var remediationState: String?, remediationDetail: String?
        let latest = reports.last
        if let n = f.notifiedAt, f.status == .remediated, let latest {
            // Reported in time is reported: the countdown no longer runs against the unit. What the
            // retest will decide is when the fix counts from: the report's time.
            remediationState = req.t("finding.remediation.waiting", ["at": req.timeText(latest.submittedAt, in: campaign)])
            let elapsed = max(0, EpochMillis(latest.submittedAt) - EpochMillis(n))
            let took = req.ageText(TimeInterval(elapsed) / 1000)
            if let bracket = campaign.scoringPolicy.bracket(forElapsed: elapsed) {
                remediationDetail = req.t("finding.remediation.ifPassed", ["took": took, "hours": String(bracket.withinHours)])
            } else {
                remediationDetail = req.t("finding.remediation.ifPassedLate", ["took": took,
                    "hours": String(campaign.scoringPolicy.remediationBrackets.last?.withinHours ?? 0)])
            }
        } else if f.status == .notified, let latest, let retest = latest.latestRetest, retest.result == .failed {
            remediationState = req.t("finding.remediation.returned", ["at": req.timeText(retest.decidedAt, in: campaign)])
            remediationDetail = retest.reason.map { req.t("finding.remediation.reason", ["reason": $0]) }
        }
        if let n = f.notifiedAt, f.status == .notified {
            let clock = RemediationClock(notifiedAt: EpochMillis(n), policy: campaign.scoringPolicy, now: EpochMillis(now))
            marks = clock.marks.map { m in
                let at = Date(epochMillis: m.at)
                return .init(hours: m.hours, at: req.timeText(at, in: campaign),
                             left: m.passed ? req.t("finding.mark_passed") : req.ageText(TimeInterval(m.remaining) / 1000), passed: m.passed)
            }
        }
        let canReview = AccessPolicy.decide(actor, .reviewFindings) == .allow && f.status == .submitted
        var related: [Related] = []
        if canReview {
            let keys = Set(f.duplicateKeys)
            related = try await Finding.query(on: req.db).filter(\.$campaign.$id == (try campaign.requireID()))
                .filter(\.$unit.$id == f.$unit.id).filter(\.$id != (try f.requireID())).all()
                .filter { !keys.isDisjoint(with: $0.duplicateKeys) }
                .map { .init(code: $0.code, href: campaign.url(.finding(.value($0.code), .page)).path, title: $0.title, statusName: req.t("finding.status.\($0.status.rawValue)")) }
        }
        func link(_ page: SiteURL.FindingPage) -> String { campaign.url(.finding(.value(f.code), page)).path }
        let links = Links(
            findings: campaign.url(.findings).path, edit: link(.edit), notices: campaign.url(.notices).path, evidence: link(.evidence),
            review: link(.review), remediations: link(.remediations), shellCheck: link(.shellCheck), retests: link(.retests),
            // Testing teams see that a finding was notified, not the notice (it goes to the unit).
            notice: notice.flatMap { AccessPolicy.decide(actor, .listNotices) == .allow ? campaign.url(.notice(.value($0.code))).path : nil },
            duplicateOf: duplicateOf.map { campaign.url(.finding(.value($0), .page)).path })
        self.init(
            links: links, code: f.code, title: f.title, status: FindingWorkflow.publicStatus(f.status).rawValue,
            statusName: req.t("finding.status.\(f.status.rawValue)"), kindName: req.t("finding.kind.\(f.kind.rawValue)"),
            severityName: f.severity.map { req.t("finding.severity.\($0.rawValue)") },
            type: f.type, url: f.url, description: f.description, reproduction: f.reproduction,
            unitCode: f.unit.code, unitName: f.unit.name, asset: f.asset.map { "\($0.code) · \($0.target)" },
            team: testingDetails ? "\(f.team.code) · \(f.team.name)" : nil,
            weakPassword: f.weakPassword, sensitiveRecords: f.sensitiveRecords, shellPaths: f.shellPaths,
            submittedAt: req.timeText(f.submittedAt, in: campaign), verifiedAt: req.timeText(f.verifiedAt, in: campaign),
            notifiedAt: req.timeText(f.notifiedAt, in: campaign), closedAt: req.timeText(f.closedAt, in: campaign),
            reviewNote: testingDetails ? f.reviewNote : nil, infoRequest: f.status == .needInfo ? f.reviewNote : nil,
            notice: notice?.code, duplicateOf: duplicateOf,
            reports: reports.map { r in
                let retest = r.latestRetest
                return .init(submittedAt: req.timeText(r.submittedAt, in: campaign), description: r.description ?? "",
                             result: retest?.result.rawValue ?? "waiting",
                             resultName: retest.map { req.t("retest.\($0.result.rawValue)") } ?? req.t("retest.waiting"),
                             reason: retest?.reason ?? "", decidedAt: req.timeText(retest?.decidedAt, in: campaign), shells: r.shellsDeleted)
            },
            marks: marks, remediationState: remediationState, remediationDetail: remediationDetail,
            remediationWaiting: f.status == .remediated, canReview: canReview,
            canEdit: f.status == .needInfo && AccessPolicy.decide(actor, .editFinding(teamID: f.$team.id)) == .allow,
            canRemediate: f.status == .notified && AccessPolicy.decide(actor, .submitRemediation(unitID: f.$unit.id)) == .allow,
            canRetest: f.status == .remediated && AccessPolicy.decide(actor, .reviewFindings) == .allow,
            canNotify: f.status == .verified && AccessPolicy.decide(actor, .issueNotice) == .allow,
            related: related,
            severities: Severity.allCases.map {
                .init(value: $0.rawValue, label: req.t("finding.severity.\($0.rawValue)"), selected: $0 == f.severity)
            },
            evidence: try await EvidenceController.list(req, f).map { e in
                .init(href: campaign.url(.finding(.value(f.code), .evidenceFile(.value(e.id!.uuidString)))).path, name: e.originalName,
                      size: ByteCountFormatter.string(fromByteCount: Int64(e.size), countStyle: .file),
                      uploadedAt: req.timeText(e.createdAt, in: campaign), image: e.contentType.hasPrefix("image/"))
            },
            canAttach: AccessPolicy.decide(actor, .attachEvidence(unitID: f.$unit.id, teamID: f.$team.id, status: f.status)) == .allow,
            uploadLimit: String(req.application.patrolOptions.uploadMaxBytes / 1024 / 1024),
            shellChecks: shellChecks, error: error)
    }
}
