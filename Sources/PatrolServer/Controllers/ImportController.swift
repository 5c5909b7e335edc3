import Fluent
import PatrolCore
import PatrolSheet
import PatrolStore
import Vapor

/// Lists the organiser already has, into a campaign: upload → preview → confirm in the browser,
/// one call (with `dryRun`) in the API, and blank templates to fill in: units with liaisons, and assets.
struct ImportController: RouteCollection {
    static let bodyLimit = ByteCount(value: ImportFile.maxBytes + 64 * 1024)

    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .campaign(.key, .importList), access: .policy(.manageUnits), use: page)
        routes.endpoint(.POST, .campaign(.key, .importList), access: .policy(.manageUnits), body: .collect(maxSize: Self.bodyLimit),
                        use: upload)
        routes.endpoint(.POST, .campaign(.key, .importConfirm), access: .policy(.manageUnits), use: confirm)
        routes.endpoint(.GET, .importTemplate(.key), access: .policy(.manageUnits), use: template)
        routes.endpoint(.POST, .api(.campaign(.key, .importUnits)), access: .policy(.manageUnits),
                        body: .collect(maxSize: Self.bodyLimit), use: apiImport)
        routes.endpoint(.POST, .api(.campaign(.key, .importAssets)), access: .policy(.manageUnits),
                        body: .collect(maxSize: Self.bodyLimit), use: apiImportAssets)
        routes.endpoint(.POST, .api(.campaign(.key, .importTeams)), access: .policy(.manageTeams),
                        body: .collect(maxSize: Self.bodyLimit), use: apiImportTeams)
    }

    func importer(_ req: Request) throws -> UnitImport {
        UnitImport(db: req.db, actor: try req.requireActor(), audit: req.auditContext)
    }

    func assetImporter(_ req: Request) throws -> AssetImport {
        AssetImport(db: req.db, actor: try req.requireActor(), audit: req.auditContext)
    }

    func teamImporter(_ req: Request) throws -> TeamImport {
        TeamImport(db: req.db, actor: try req.requireActor(), audit: req.auditContext, application: req.application)
    }

    func uploads(_ req: Request) -> ImportUploads { ImportUploads(dataDirectory: req.application.patrolOptions.dataDirectory) }

    struct PageView: Encodable {
        struct Link: Encodable { var href, label: String }
        var action: String
        var templates: [Link]
        var error: String?
    }

    func page(req: Request) async throws -> View {
        let campaign = try await req.campaign()
        return try await render(req, campaign, error: nil)
    }

    func render(_ req: Request, _ campaign: Campaign, error: PatrolError?) async throws -> View {
        let templates = ImportTemplate.allCases.map { PageView.Link(href: SiteURL.importTemplate(.value($0.rawValue)).path,
                                                                    label: req.t("import.template.\($0.key)")) }
        return try await req.page("import", title: req.t("import.title"), campaign: campaign,
                                  content: PageView(action: campaign.url(.importList).path, templates: templates,
                                                    error: error.map { req.t($0) }))
    }

    struct UploadForm: Content {
        var list: String?
        var file: File?
        var pendingReview: String?
    }

    func list(_ text: String?) throws -> ImportList {
        guard let list = ImportList(rawValue: text?.nonEmpty ?? "units") else {
            throw PatrolError.invalid("error.import.list", ["list": text ?? ""])
        }
        return list
    }

    /// The preview of `data` as `list`: the page, and whether the plan has problems.
    func preview(_ req: Request, _ campaign: Campaign, _ list: ImportList, _ data: Data, _ upload: ImportPreviewPage.Upload,
                 pendingReview: Bool) async throws -> (page: ImportPreviewPage, problems: Int) {
        let table = try await table(req, data, filename: upload.filename)
        switch list {
        case .units:
            let plan = try await importer(req).plan(table, campaign: campaign)
            return (ImportPreviewPage(req, campaign: campaign, units: plan, upload: upload), plan.problems.count)
        case .assets:
            let plan = try await assetImporter(req).plan(table, campaign: campaign)
            return (ImportPreviewPage(req, campaign: campaign, assets: plan, upload: upload, pendingReview: pendingReview), plan.problems.count)
        case .teams:
            let plan = try await teamImporter(req).plan(table, campaign: campaign)
            return (ImportPreviewPage(req, campaign: campaign, teams: plan, upload: upload), plan.problems.count)
        }
    }

    func upload(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let form = try req.content.decode(UploadForm.self)
        guard let file = form.file, file.data.readableBytes > 0 else {
            return try await failed(req, campaign, PatrolError.invalid("error.import.noFile"))
        }
        let data = Data(buffer: file.data)
        do {
            let list = try list(form.list)
            var upload = ImportPreviewPage.Upload(filename: file.filename, token: "", digest: ImportUploads.digest(data))
            // Planned first, kept after: a file that cannot be read is not stored.
            _ = try await table(req, data, filename: file.filename)
            upload.token = try uploads(req).save(data, filename: file.filename)
            let (page, _) = try await preview(req, campaign, list, data, upload, pendingReview: form.pendingReview == "1")
            return try await req.page("import-preview", title: req.t("import.previewTitle"), campaign: campaign, content: page)
                .encodeResponse(for: req)
        } catch let error as PatrolError where error.status == .unprocessableEntity {
            return try await failed(req, campaign, error)
        }
    }

    func failed(_ req: Request, _ campaign: Campaign, _ error: PatrolError) async throws -> Response {
        let response = try await render(req, campaign, error: error).encodeResponse(for: req)
        response.status = .unprocessableEntity
        return response
    }

    struct ConfirmForm: Content {
        var token: String
        var digest: String
        var list: String?
        var pendingReview: String?
    }

    struct DoneView: Encodable {
        /// Testers made by a teams import, with their initial passwords: shown on this answer only.
        struct Member: Encodable { var team, name, username, password: String }
        var summary, nextHref, nextLabel, importHref: String
        var members: [Member] = []
    }

    func confirm(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let form = try req.content.decode(ConfirmForm.self)
        let list = try list(form.list)
        let store = uploads(req)
        guard let stored = store.load(form.token), ImportUploads.digest(stored.data) == form.digest else {
            return try await failed(req, campaign, PatrolError.invalid("error.import.expired"))
        }
        let pendingReview = form.pendingReview == "1"
        let upload = ImportPreviewPage.Upload(filename: stored.filename, token: form.token, digest: form.digest)
        // Planned again: the database may have changed since the preview; a new problem shows the preview again.
        let table = try await table(req, stored.data, filename: stored.filename)
        let summary: String, href: String, label: String
        var members: [DoneView.Member] = []
        switch list {
        case .units:
            let plan = try await importer(req).plan(table, campaign: campaign)
            guard plan.problems.isEmpty else { return try await again(req, campaign, ImportPreviewPage(req, campaign: campaign, units: plan, upload: upload)) }
            summary = req.t("import.summary", Self.values(try await importer(req).apply(plan, campaign: campaign)))
            href = campaign.url(.units).path
            label = req.t("import.toUnits")
        case .assets:
            let plan = try await assetImporter(req).plan(table, campaign: campaign)
            guard plan.problems.isEmpty else {
                return try await again(req, campaign, ImportPreviewPage(req, campaign: campaign, assets: plan, upload: upload, pendingReview: pendingReview))
            }
            let s = try await assetImporter(req).apply(plan, campaign: campaign, pendingReview: pendingReview)
            summary = req.t(pendingReview ? "import.assetSummaryPending" : "import.assetSummary",
                            ["created": "\(s.created)", "updated": "\(s.updated)", "unchanged": "\(s.unchanged)"])
            href = campaign.url(.assets).path(query: [("review", pendingReview ? AssetReview.pending.rawValue : nil)])
            label = req.t(pendingReview ? "import.toReview" : "import.toAssets")
        case .teams:
            let plan = try await teamImporter(req).plan(table, campaign: campaign)
            guard plan.problems.isEmpty else { return try await again(req, campaign, ImportPreviewPage(req, campaign: campaign, teams: plan, upload: upload)) }
            let done = try await teamImporter(req).apply(plan, campaign: campaign)
            summary = req.t("import.teamSummary", ["teams": "\(done.teams)", "members": "\(done.members.count)"])
            members = done.members.map { .init(team: $0.team, name: $0.member.user.displayName, username: $0.member.user.username,
                                              password: $0.member.password) }
            href = campaign.url(.teams).path
            label = req.t("import.toTeams")
        }
        store.remove(form.token)
        let response = try await req.page("import-done", title: req.t("import.doneTitle"), campaign: campaign,
                                          content: DoneView(summary: summary, nextHref: href, nextLabel: label,
                                                            importHref: campaign.url(.importList).path, members: members))
            .encodeResponse(for: req)
        // Initial passwords, if any, are on this answer only: the browser keeps no copy.
        if !members.isEmpty { response.headers.replaceOrAdd(name: .cacheControl, value: "no-store") }
        return response
    }

    func again(_ req: Request, _ campaign: Campaign, _ page: ImportPreviewPage) async throws -> Response {
        let response = try await req.page("import-preview", title: req.t("import.previewTitle"), campaign: campaign, content: page)
            .encodeResponse(for: req)
        response.status = .unprocessableEntity
        return response
    }

    static func values(_ s: UnitImport.Summary) -> [String: String] {
        ["created": "\(s.created)", "updated": "\(s.updated)", "joined": "\(s.joined)", "unchanged": "\(s.unchanged)"]
    }
}
