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

    func list(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let filter = try req.query.decode(FindingListPage.Filter.self)
        let view = try await FindingListPage(req, campaign: campaign, filter: filter)
        return try await req.page("findings", title: view.heading, campaign: campaign, content: view)
    }

    // MARK: - Submit and edit

    func newForm(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let form = FindingForm(unit: try? req.query.get(String.self, at: "unit"), kind: "vulnerability", severity: "high")
        return try await req.page("finding-form", title: req.t("finding.new"), campaign: campaign,
                                  content: try await FindingFormPage(req, campaign: campaign, form: form, finding: nil, error: nil))
    }

    /// Renders the form again with what was typed and the error, with the error's status.
    func refused(_ req: Request, _ campaign: Campaign, _ form: FindingForm, _ finding: Finding?, _ error: PatrolError) async throws -> Response {
        let view = try await req.page("finding-form", title: req.t(finding == nil ? "finding.new" : "finding.edit"), campaign: campaign,
                                      content: try await FindingFormPage(req, campaign: campaign, form: form, finding: finding, error: req.t(error)))
        let res = try await view.encodeResponse(for: req)
        res.status = error.status
        return res
    }

    func create(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        var form = try req.content.decode(FindingForm.self)
        let files = form.files ?? []
        form.files = nil
        do {
            // Files are checked before the finding exists, and recorded in its transaction.
            let attachments = try EvidenceController.check(files, req)
            let f = try await req.lifecycle().submit(try form.draft, in: campaign, attachments: attachments)
            return req.seeOther(campaign.url(.finding(.value(f.code), .page)).path)
        } catch let error as PatrolError where [.unprocessableEntity, .conflict, .unsupportedMediaType, .payloadTooLarge].contains(error.status) {
            return try await refused(req, campaign, form, nil, error)
        }
    }

    func editForm(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let f = try await Self.visibleFinding(req, campaign)
        try req.authorize(.editFinding(teamID: f.$team.id))
        let form = FindingForm(unit: f.unit.code, asset: f.asset?.code, kind: f.kind.rawValue, severity: f.severity?.rawValue, type: f.type,
                        title: f.title, description: f.description, reproduction: f.reproduction, url: f.url,
                        weakPassword: f.weakPassword ? "on" : nil, sensitiveRecords: String(f.sensitiveRecords),
                        shellPaths: f.shellPaths.joined(separator: "\n"))
        return try await req.page("finding-form", title: req.t("finding.edit"), campaign: campaign,
                                  content: try await FindingFormPage(req, campaign: campaign, form: form, finding: f, error: nil))
    }

    func update(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let f = try await Self.visibleFinding(req, campaign)
        let form = try req.content.decode(FindingForm.self)
        do {
            try await req.lifecycle().resubmit(f, try form.draft, in: campaign)
            return req.seeOther(campaign.url(.finding(.value(f.code), .page)).path)
        } catch let error as PatrolError where [.unprocessableEntity, .conflict].contains(error.status) {
            return try await refused(req, campaign, form, f, error)
        }
    }

    // MARK: - A finding's page and its steps

    func show(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        let f = try await Self.visibleFinding(req, campaign)
        return try await req.page("finding", title: "\(f.code) \(f.title)", campaign: campaign, content: try await FindingPage(req, campaign: campaign, finding: f))
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
                                          content: try await FindingPage(req, campaign: campaign, finding: fresh, error: req.t(error)))
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
                                  content: try await FindingPage(req, campaign: campaign, finding: f, shellChecks: results))
    }

    func retest(req: Request) async throws -> Response {
        let body = try req.content.decode(RetestDraft.self)
        return try await step(req) { f, campaign in
            try await req.lifecycle().retest(f, body, in: campaign)
        }
    }
}
