import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// The finding lifecycle in the browser: the list / review queue, the submit and edit forms, and a
/// finding's page with the step its reader may take (review, remediation report, retest). The steps
/// are the same operations as the API (`FindingAPIController`), so the rules live in one place.
struct FindingController: RouteCollection {
    /// The submit form and the remediation form may carry files up to the upload cap.
    var maxBytes = 20 * 1024 * 1024

    func boot(routes: any RoutesBuilder) throws {
        let uploads = HTTPBodyStreamStrategy.collect(maxSize: ByteCount(value: maxBytes + 64 * 1024))
        routes.endpoint(.GET, .campaign(.key, .findings), access: .policy(.listFindings), use: list)
        routes.endpoint(.GET, .campaign(.key, .newFinding), access: .policy(.submitFinding), use: newForm)
        routes.endpoint(.POST, .campaign(.key, .findings), access: .policy(.submitFinding), body: uploads, use: create)
        routes.endpoint(.GET, .campaign(.key, .finding(.key, .page)), access: .signedIn, use: show)
        routes.endpoint(.GET, .campaign(.key, .finding(.key, .edit)), access: .signedIn, use: editForm)
        routes.endpoint(.POST, .campaign(.key, .finding(.key, .page)), access: .signedIn, use: update)
        routes.endpoint(.POST, .campaign(.key, .finding(.key, .review)), access: .policy(.reviewFindings), use: review)
        routes.endpoint(.POST, .campaign(.key, .finding(.key, .remediations)), access: .signedIn, body: uploads, use: remediate)
        routes.endpoint(.POST, .campaign(.key, .finding(.key, .retests)), access: .policy(.reviewFindings), use: retest)
        routes.endpoint(.POST, .campaign(.key, .finding(.key, .shellCheck)), access: .policy(.reviewFindings), use: shellCheck)
    }

    /// The finding named by `:finding` in the campaign, if the actor may see it.
    static func visibleFinding(_ req: Request, _ campaign: Campaign) async throws -> Finding {
        try await FindingAPIController.finding(req, campaign)
    }

    // MARK: - List and review queue

    struct ListView: Encodable {
        struct Row: Encodable {
            var code, href, title, unitCode, unitName, status, statusName, kindName, submittedAt, age: String
            var team: String?
            var severity: String?
            var severityName: String?
            var duplicateHint: Bool
            var waitingInfo: Bool
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

    struct ListFilter: Decodable {
        var unit: String?
        var team: String?
        var status: String?
        var severity: String?
        var sort: String?
    }

    /// Findings that may be the same: same unit, same type, and the same asset or URL.
    static func duplicateKeys(_ f: Finding) -> [String] {
        guard f.status != .rejected, f.status != .duplicate else { return [] }
        let type = f.type ?? f.kind.rawValue
        var keys: [String] = []
        if let a = f.$asset.id { keys.append("\(f.$unit.id)|a:\(a)|\(type)") }
        if let u = f.url?.lowercased(), !u.isEmpty { keys.append("\(f.$unit.id)|u:\(u)|\(type)") }
        return keys
    }

    func list(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let actor = try req.requireActor()
        let filter = try req.query.decode(ListFilter.self)
        let all = try await req.lifecycle().visibleFindings(in: campaign).all()
        let scope = AccessPolicy.findingScope(for: actor)
        // Duplicate hints are computed over everything the reader sees, before filtering.
        var keyCount: [String: Int] = [:]
        for f in all { for k in Self.duplicateKeys(f) { keyCount[k, default: 0] += 1 } }
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
        let view = ListView(
            rows: rows.map { f in
                ListView.Row(code: f.code, href: campaign.url(.finding(.value(f.code), .page)).path, title: f.title, unitCode: f.unit.code, unitName: f.unit.name,
                             status: FindingWorkflow.publicStatus(f.status).rawValue,
                             statusName: req.t("finding.status.\(f.status.rawValue)"), kindName: req.t("finding.kind.\(f.kind.rawValue)"),
                             submittedAt: req.timeText(f.submittedAt, in: campaign), // Waiting time only means something while the finding waits for a review.
                             age: [.submitted, .needInfo].contains(f.status) ? Self.ageText(req, now.timeIntervalSince(f.submittedAt)) : "",
                             team: showTeam ? f.team.code : nil, severity: f.severity?.rawValue,
                             severityName: f.severity.map { req.t("finding.severity.\($0.rawValue)") },
                             duplicateHint: Self.duplicateKeys(f).contains { (keyCount[$0] ?? 0) > 1 },
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
        return try await req.page("findings", title: view.heading, campaign: campaign, content: view)
    }

    static func ageText(_ req: Request, _ seconds: TimeInterval) -> String {
        let s = Int64(max(0, seconds))
        if s >= 86_400 { return req.t("time.days", ["n": String(s / 86_400), "h": String((s % 86_400) / 3600)]) }
        return req.t("score.duration", ["h": String(s / 3600), "m": String((s % 3600) / 60)])
    }

    // MARK: - Submit and edit

    struct FormView: Encodable {
        typealias Option = SelectOption
        var action, cancelHref: String
        var editing: Bool
        var code: String?
        var infoRequest: String?
        var units: [Option]
        var assets: [Option]
        var kinds: [Option]
        var severities: [Option]
        var types: [Option]
        var title, description, reproduction, url, shellPaths: String
        var weakPassword: Bool
        var sensitiveRecords: String
        var error: String?
        var windowOpen: Bool
        var windowText: String
        var uploadLimit: String
    }

    /// What the form posts; turned into the API's `SubmitBody` so both check the same way.
    struct Form: Content {
        var unit: String?
        var asset: String?
        var kind: String?
        var severity: String?
        var type: String?
        var title: String?
        var description: String?
        var reproduction: String?
        var url: String?
        var weakPassword: String?
        var sensitiveRecords: String?
        var shellPaths: String?
        var files: [File]?

        var body: FindingDraft {
            get throws {
                var records: Int?
                if let text = sensitiveRecords?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
                    guard let n = Int(text) else { throw PatrolError.invalid("error.finding.negative", ["field": "sensitiveRecords"]) }
                    records = n
                }
                return .init(unit: unit, asset: asset?.nonEmpty, kind: kind, severity: severity?.nonEmpty, type: type?.nonEmpty,
                             title: title, description: description, reproduction: reproduction, url: url,
                             weakPassword: weakPassword != nil, sensitiveRecords: records ?? 0,
                             shellPaths: (shellPaths ?? "").split(whereSeparator: \.isNewline).map(String.init))
            }
        }
    }

    func formView(_ req: Request, _ campaign: Campaign, form: Form, finding: Finding?, error: String?) async throws -> FormView {
        let units = try await campaign.$units.query(on: req.db).sort(\.$code).all()
        let assets = try await Asset.query(on: req.db).filter(\.$campaign.$id == (try campaign.requireID())).with(\.$unit).sort(\.$code).all()
        let now = Date()
        return FormView(
            action: campaign.url(finding.map { .finding(.value($0.code), .page) } ?? .findings).path,
            cancelHref: campaign.url(finding.map { .finding(.value($0.code), .page) } ?? .findings).path,
            editing: finding != nil, code: finding?.code, infoRequest: finding?.status == .needInfo ? finding?.reviewNote : nil,
            units: units.map { .init(value: $0.code, label: "\($0.code) \($0.name)", selected: $0.code == form.unit) },
            assets: assets.map { .init(value: $0.code, label: "\($0.code) · \($0.target)", selected: $0.code == form.asset) },
            kinds: FindingKind.allCases.map { .init(value: $0.rawValue, label: req.t("finding.kind.\($0.rawValue)"), selected: $0.rawValue == form.kind) },
            severities: Severity.allCases.map {
                .init(value: $0.rawValue, label: req.t("finding.severity.\($0.rawValue)"), selected: $0.rawValue == form.severity)
            },
            types: FindingType.allCases.map { .init(value: $0.name, label: $0.name, selected: $0.name == form.type || $0.rawValue == form.type) },
            title: form.title ?? "", description: form.description ?? "", reproduction: form.reproduction ?? "", url: form.url ?? "",
            shellPaths: form.shellPaths ?? "", weakPassword: form.weakPassword != nil,
            sensitiveRecords: form.sensitiveRecords ?? "0", error: error,
            windowOpen: campaign.testingWindow.isOpen(at: now),
            windowText: "\(req.timeText(campaign.startsAt, in: campaign)) — \(req.timeText(campaign.endsAt, in: campaign))",
            uploadLimit: String(req.application.patrolOptions.uploadMaxBytes / 1024 / 1024))
    }

    func newForm(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let form = Form(unit: try? req.query.get(String.self, at: "unit"), kind: "vulnerability", severity: "high")
        return try await req.page("finding-form", title: req.t("finding.new"), campaign: campaign,
                                  content: try await formView(req, campaign, form: form, finding: nil, error: nil))
    }

    /// Renders the form again with what was typed and the error, with the error's status.
    func refused(_ req: Request, _ campaign: Campaign, _ form: Form, _ finding: Finding?, _ error: PatrolError) async throws -> Response {
        let view = try await req.page("finding-form", title: req.t(finding == nil ? "finding.new" : "finding.edit"), campaign: campaign,
                                      content: try await formView(req, campaign, form: form, finding: finding, error: req.t(error)))
        let res = try await view.encodeResponse(for: req)
        res.status = error.status
        return res
    }

    func create(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        var form = try req.content.decode(Form.self)
        let files = form.files ?? []
        form.files = nil
        do {
            // Files are checked before the finding exists, and recorded in its transaction.
            let attachments = try EvidenceController.check(files, req)
            let f = try await req.lifecycle().submit(try form.body, in: campaign, attachments: attachments)
            return req.seeOther(campaign.url(.finding(.value(f.code), .page)).path)
        } catch let error as PatrolError where [.unprocessableEntity, .conflict, .unsupportedMediaType, .payloadTooLarge].contains(error.status) {
            return try await refused(req, campaign, form, nil, error)
        }
    }

    func editForm(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let f = try await Self.visibleFinding(req, campaign)
        try req.authorize(.editFinding(teamID: f.$team.id))
        let form = Form(unit: f.unit.code, asset: f.asset?.code, kind: f.kind.rawValue, severity: f.severity?.rawValue, type: f.type,
                        title: f.title, description: f.description, reproduction: f.reproduction, url: f.url,
                        weakPassword: f.weakPassword ? "on" : nil, sensitiveRecords: String(f.sensitiveRecords),
                        shellPaths: f.shellPaths.joined(separator: "\n"))
        return try await req.page("finding-form", title: req.t("finding.edit"), campaign: campaign,
                                  content: try await formView(req, campaign, form: form, finding: f, error: nil))
    }

    func update(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let f = try await Self.visibleFinding(req, campaign)
        let form = try req.content.decode(Form.self)
        do {
            try await req.lifecycle().resubmit(f, try form.body, in: campaign)
            return req.seeOther(campaign.url(.finding(.value(f.code), .page)).path)
        } catch let error as PatrolError where [.unprocessableEntity, .conflict].contains(error.status) {
            return try await refused(req, campaign, form, f, error)
        }
    }

    // MARK: - A finding's page and its steps

    struct FindingView: Encodable {
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

    func findingView(_ req: Request, _ campaign: Campaign, _ f: Finding, error: String? = nil,
                     shellChecks: [ShellCheck.Result]? = nil) async throws -> FindingView {
        let actor = try req.requireActor()
        let testingDetails = AccessPolicy.decide(actor, .viewTestingDetails) == .allow
        let reports = try await RemediationReport.query(on: req.db).filter(\.$finding.$id == (try f.requireID()))
            .with(\.$retests).sort(\.$submittedAt).all()
        let notice = try await f.$notice.get(on: req.db)
        var duplicateOf: String?
        if let id = f.$duplicateOf.id { duplicateOf = try await Finding.find(id, on: req.db)?.code }
        let now = Date()
        var marks: [FindingView.Mark] = []
        if let n = f.notifiedAt, f.status == .notified || f.status == .remediated {
            let clock = RemediationClock(notifiedAt: EpochMillis(n), policy: campaign.scoringPolicy, now: EpochMillis(now))
            marks = clock.marks.map { m in
                let at = Date(epochMillis: m.at)
                return .init(hours: m.hours, at: req.timeText(at, in: campaign),
                             left: m.passed ? req.t("finding.mark_passed") : Self.ageText(req, TimeInterval(m.remaining) / 1000), passed: m.passed)
            }
        }
        let canReview = AccessPolicy.decide(actor, .reviewFindings) == .allow && f.status == .submitted
        var related: [FindingView.Related] = []
        if canReview {
            let keys = Set(Self.duplicateKeys(f))
            related = try await Finding.query(on: req.db).filter(\.$campaign.$id == (try campaign.requireID()))
                .filter(\.$unit.$id == f.$unit.id).filter(\.$id != (try f.requireID())).all()
                .filter { !keys.isDisjoint(with: Self.duplicateKeys($0)) }
                .map { .init(code: $0.code, href: campaign.url(.finding(.value($0.code), .page)).path, title: $0.title, statusName: req.t("finding.status.\($0.status.rawValue)")) }
        }
        func link(_ page: SiteURL.FindingPage) -> String { campaign.url(.finding(.value(f.code), page)).path }
        let links = FindingView.Links(
            findings: campaign.url(.findings).path, edit: link(.edit), notices: campaign.url(.notices).path, evidence: link(.evidence),
            review: link(.review), remediations: link(.remediations), shellCheck: link(.shellCheck), retests: link(.retests),
            // Testing teams see that a finding was notified, not the notice (it goes to the unit).
            notice: notice.flatMap { AccessPolicy.decide(actor, .listNotices) == .allow ? campaign.url(.notice(.value($0.code))).path : nil },
            duplicateOf: duplicateOf.map { campaign.url(.finding(.value($0), .page)).path })
        return FindingView(
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
            marks: marks, canReview: canReview,
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

    func show(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let f = try await Self.visibleFinding(req, campaign)
        return try await req.page("finding", title: "\(f.code) \(f.title)", campaign: campaign, content: try await findingView(req, campaign, f))
    }

    /// Runs one step on the finding; on a refusal the page comes back with the reason.
    func step(_ req: Request, _ body: (Finding, Campaign) async throws -> Void) async throws -> Response {
        let campaign = try await req.campaign()
        let f = try await Self.visibleFinding(req, campaign)
        do {
            try await body(f, campaign)
            return req.seeOther(campaign.url(.finding(.value(f.code), .page)).path)
        } catch let error as PatrolError where [.unprocessableEntity, .conflict, .unsupportedMediaType, .payloadTooLarge].contains(error.status) {
            let fresh = try await Self.visibleFinding(req, campaign)
            let view = try await req.page("finding", title: "\(f.code) \(f.title)", campaign: campaign,
                                          content: try await findingView(req, campaign, fresh, error: req.t(error)))
            let res = try await view.encodeResponse(for: req)
            res.status = error.status
            return res
        }
    }

    struct ReviewForm: Content {
        var decision: String?
        var severity: String?
        var weakPassword: String?
        var sensitiveRecords: String?
        var duplicateOf: String?
        var note: String?
    }

    func review(req: Request) async throws -> Response {
        let form = try req.content.decode(ReviewForm.self)
        return try await step(req) { f, campaign in
            let body = ReviewDraft(
                decision: form.decision, severity: form.severity?.nonEmpty,
                weakPassword: form.decision == "verify" ? form.weakPassword != nil : nil,
                sensitiveRecords: form.sensitiveRecords.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) },
                duplicateOf: form.duplicateOf, note: form.note)
            try await req.lifecycle().review(f, body, in: campaign)
        }
    }

    struct RemediationForm: Content {
        var summary: String?
        var shell: [String]?
        var files: [File]?
    }

    func remediate(req: Request) async throws -> Response {
        let form = try req.content.decode(RemediationForm.self)
        return try await step(req) { f, campaign in
            // Every listed shell path must be ticked as deleted.
            let ticked = Set(form.shell ?? [])
            let body = RemediationDraft(summary: form.summary, shellsRemoved: f.shellPaths.allSatisfy(ticked.contains))
            try req.authorize(.submitRemediation(unitID: f.$unit.id))
            let attachments = try EvidenceController.check(form.files ?? [], req)
            try await req.lifecycle().remediate(f, body, in: campaign, attachments: attachments)
        }
    }

    /// Runs the shell check and shows its advice on the finding page.
    func shellCheck(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let f = try await Self.visibleFinding(req, campaign)
        let results = await ShellCheck.run(req, finding: f)
        return try await req.page("finding", title: "\(f.code) \(f.title)", campaign: campaign,
                                  content: try await findingView(req, campaign, f, shellChecks: results))
    }

    func retest(req: Request) async throws -> Response {
        let body = try req.content.decode(RetestDraft.self)
        return try await step(req) { f, campaign in
            try await req.lifecycle().retest(f, body, in: campaign)
        }
    }
}
