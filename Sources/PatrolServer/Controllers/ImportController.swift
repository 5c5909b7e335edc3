import Fluent
import PatrolCore
import PatrolSheet
import PatrolStore
import Vapor

/// Lists the organiser already has, into a campaign: upload → preview → confirm in the browser,
/// one call (with `dryRun`) in the API, and blank templates to fill in. Units with liaisons so far.
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
    }

    func importer(_ req: Request) throws -> UnitImport {
        UnitImport(db: req.db, actor: try req.requireActor(), audit: req.auditContext)
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
    }

    func upload(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let form = try req.content.decode(UploadForm.self)
        guard let file = form.file, file.data.readableBytes > 0 else {
            return try await failed(req, campaign, PatrolError.invalid("error.import.noFile"))
        }
        let data = Data(buffer: file.data)
        do {
            let plan = try await importer(req).plan(try await table(req, data, filename: file.filename), campaign: campaign)
            let token = try uploads(req).save(data, filename: file.filename)
            return try await req.page("import-preview", title: req.t("import.previewTitle"), campaign: campaign,
                                      content: ImportPreviewPage(req, campaign: campaign, plan: plan, filename: file.filename,
                                                                 token: token, digest: ImportUploads.digest(data)))
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

    /// The upload as a table, read on the thread pool: the readers are synchronous and inflate,
    /// decode and parse up to 10 MB, which must not hold an event loop.
    func table(_ req: Request, _ data: Data, filename: String?) async throws -> SheetTable {
        let result: Result<SheetTable, SheetError> = try await req.application.threadPool.runIfActive {
            Result { () throws(SheetError) -> SheetTable in try ImportFile.table(data, filename: filename) }
        }
        switch result {
        case .success(let table): return table
        case .failure(let error): throw PatrolError.sheet(error)
        }
    }

    struct ConfirmForm: Content { var token: String; var digest: String }

    struct DoneView: Encodable { var summary, unitsHref, importHref: String }

    func confirm(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let form = try req.content.decode(ConfirmForm.self)
        let store = uploads(req)
        guard let upload = store.load(form.token), ImportUploads.digest(upload.data) == form.digest else {
            return try await failed(req, campaign, PatrolError.invalid("error.import.expired"))
        }
        // Planned again: the database may have changed since the preview; a new problem shows the preview again.
        let plan = try await importer(req).plan(try await table(req, upload.data, filename: upload.filename), campaign: campaign)
        guard plan.problems.isEmpty else {
            return try await req.page("import-preview", title: req.t("import.previewTitle"), campaign: campaign,
                                      content: ImportPreviewPage(req, campaign: campaign, plan: plan, filename: upload.filename,
                                                                 token: form.token, digest: form.digest)).encodeResponse(for: req)
        }
        let summary = try await importer(req).apply(plan, campaign: campaign)
        store.remove(form.token)
        return try await req.page("import-done", title: req.t("import.doneTitle"), campaign: campaign,
                                  content: DoneView(summary: req.t("import.summary", Self.values(summary)),
                                                    unitsHref: campaign.url(.units).path, importHref: campaign.url(.importList).path))
            .encodeResponse(for: req)
    }

    static func values(_ s: UnitImport.Summary) -> [String: String] {
        ["created": "\(s.created)", "updated": "\(s.updated)", "joined": "\(s.joined)", "unchanged": "\(s.unchanged)"]
    }

    func template(req: Request) async throws -> Response {
        guard let name = req.parameters.get("template"), let template = ImportTemplate(rawValue: name) else { throw PatrolError.notFound }
        let response = Response(status: .ok, body: .init(data: try template.data()))
        response.headers.contentType = template.contentType
        // A download, never shown inline (the file name in Chinese, RFC 6266 / 5987).
        let filename = req.t("import.template.filename.\(template.key)") + template.fileExtension
        let encoded = filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name)\"; filename*=UTF-8''\(encoded)")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }

    // MARK: API

    struct APIAnswer: Content {
        struct Item: Content {
            var rows: [Int]; var code, name, category, group, action: String
            var parent: String?; var liaisons: [UnitDTO.LiaisonDTO]?; var changes: [String]
        }
        struct Problem: Content { var row: Int; var column: String?; var value, code, message: String }
        var applied: Bool
        var counts: [String: Int]
        var problems: [Problem]
        var units: [Item]
    }

    /// The list as the request body (xlsx or CSV); `?dryRun=true` plans without writing.
    func apiImport(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        guard let body = req.body.data, body.readableBytes > 0 else { throw PatrolError.invalid("error.import.noFile") }
        let data = Data(buffer: body)
        let dryRun = (try? req.query.get(Bool.self, at: "dryRun")) ?? false
        let name = try? req.query.get(String.self, at: "filename")
        let plan = try await importer(req).plan(try await table(req, data, filename: name), campaign: campaign)
        var applied = false
        if !dryRun, plan.problems.isEmpty {
            _ = try await importer(req).apply(plan, campaign: campaign)
            applied = true
        }
        let answer = APIAnswer(
            applied: applied,
            counts: Dictionary(uniqueKeysWithValues: UnitImportPlan.Action.allCases.map { ($0.rawValue, plan.count($0)) }),
            problems: plan.problems.map { .init(row: $0.row, column: $0.column, value: $0.value,
                                                code: $0.key.replacingOccurrences(of: "error.import.", with: ""), message: req.t($0.key, $0.values)) },
            units: plan.items.map { .init(rows: $0.rows, code: $0.code, name: $0.name, category: $0.category, group: $0.group.rawValue,
                                          action: $0.action.rawValue, parent: $0.parentCode,
                                          liaisons: $0.liaisons?.map { .init(name: $0.name, phone: $0.phone) }, changes: $0.changes) })
        let response = Response(status: !plan.problems.isEmpty && !dryRun ? .unprocessableEntity : .ok)
        try response.content.encode(answer)
        return response
    }
}
