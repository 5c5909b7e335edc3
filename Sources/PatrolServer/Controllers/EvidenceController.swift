import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// Evidence and attachments of a finding. Files are stored by content hash under
/// `PATROL_DATA_DIR`, accepted only when sniffing says they are an image, PDF, zip or plain text,
/// capped in size, and served only here — after the finding's own access check — as attachments
/// with `nosniff` and a sandboxing CSP, never inline and never from a public folder.
struct EvidenceController: RouteCollection {
    let maxBytes: Int

    func boot(routes: any RoutesBuilder) throws {
        let limit = ByteCount(value: maxBytes + 64 * 1024)
        let evidence = SiteURL.CampaignPage.finding(.key, .evidence), file = SiteURL.CampaignPage.finding(.key, .evidenceFile(.key))
        routes.endpoint(.POST, .api(.campaign(.key, evidence)), access: .signedIn, body: .collect(maxSize: limit), use: apiUpload)
        routes.endpoint(.GET, .api(.campaign(.key, evidence)), access: .signedIn, use: apiList)
        routes.endpoint(.GET, .api(.campaign(.key, file)), access: .signedIn, use: download)
        routes.endpoint(.POST, .campaign(.key, evidence), access: .signedIn, body: .collect(maxSize: limit), use: webUpload)
        routes.endpoint(.GET, .campaign(.key, file), access: .signedIn, use: download)
    }

    struct EvidenceDTO: Content {
        var id: UUID
        var name: String
        var size: Int
        var contentType: String
        var sha256: String
        var uploadedAt: Date?
        var image: Bool
    }

    struct Upload: Content {
        var file: File?
        var files: [File]?
    }

    static func dto(_ e: EvidenceFile) -> EvidenceDTO {
        EvidenceDTO(id: e.id!, name: e.originalName, size: e.size, contentType: e.contentType, sha256: e.sha256,
                    uploadedAt: e.createdAt, image: e.contentType.hasPrefix("image/"))
    }

    static func list(_ req: Request, _ f: Finding) async throws -> [EvidenceFile] {
        try await EvidenceFile.query(on: req.db).filter(\.$finding.$id == (try f.requireID())).sort(\.$createdAt).all()
    }

    /// A file that passed the checks, its bytes already stored under its hash.
    struct Checked: Sendable {
        var name: String
        var size: Int
        var kind: ContentSniffer.Kind
        var sha256: String
    }

    /// Checks every file (non-empty, within the cap, an accepted kind by content) and only then
    /// stores their bytes by hash. Nothing refers to the bytes until `record` writes the rows, so a
    /// refused batch leaves no trace but content-addressed files nobody can reach.
    static func check(_ files: [File], _ req: Request) throws -> [Checked] {
        let maxBytes = req.application.patrolOptions.uploadMaxBytes
        let present = files.filter { $0.data.readableBytes > 0 || !$0.filename.isEmpty }
        guard present.count <= 20 else { throw PatrolError.invalid("error.evidence.tooMany", ["n": "20"]) }
        var accepted: [(name: String, data: Data, kind: ContentSniffer.Kind)] = []
        for file in present {
            let name = Self.safeName(file.filename)
            let data = Data(buffer: file.data)
            guard !data.isEmpty else { throw PatrolError.invalid("error.evidence.empty", ["name": name]) }
            guard data.count <= maxBytes else {
                throw PatrolError(.payloadTooLarge, code: "too_large", key: "error.evidence.tooLarge",
                                  values: ["name": name, "mb": String(maxBytes / 1024 / 1024)])
            }
            guard let kind = ContentSniffer.sniff(data) else {
                throw PatrolError(.unsupportedMediaType, code: "unsupported_type", key: "error.evidence.type", values: ["name": name])
            }
            accepted.append((name, data, kind))
        }
        let storage = EvidenceStore(dataDirectory: req.application.patrolOptions.dataDirectory)
        return try accepted.map { Checked(name: $0.name, size: $0.data.count, kind: $0.kind, sha256: try storage.save($0.data)) }
    }

    /// The rows and audit entries of checked files, inside the caller's transaction.
    static func record(_ files: [Checked], finding f: Finding, reportID: UUID? = nil, campaign: Campaign,
                       on db: any Database, actor: Actor, audit: AuditContext) async throws -> [EvidenceFile] {
        var saved: [EvidenceFile] = []
        for a in files {
            let e = EvidenceFile()
            e.$finding.id = try f.requireID()
            e.$report.id = reportID
            e.sha256 = a.sha256
            e.size = a.size
            e.contentType = a.kind.mimeType
            e.originalName = a.name
            e.$uploadedBy.id = actor.userID
            try await e.create(on: db)
            saved.append(e)
            try await AuditLog.append(on: db, audit, action: "evidence.upload", objectType: "finding",
                                      objectID: "\(campaign.code)/\(f.code)",
                                      details: ["name": a.name, "sha256": a.sha256, "size": String(a.size), "type": a.kind.mimeType])
        }
        return saved
    }

    func store(_ req: Request, _ upload: Upload) async throws -> [EvidenceFile] {
        let campaign = try await req.campaign()
        let f = try await FindingAPIController.finding(req, campaign)
        try req.authorize(.attachEvidence(unitID: f.$unit.id, teamID: f.$team.id, status: f.status))
        let checked = try Self.check((upload.files ?? []) + (upload.file.map { [$0] } ?? []), req)
        guard !checked.isEmpty else { throw PatrolError.invalid("error.evidence.none") }
        return try await req.db.transaction { db in
            try await Self.record(checked, finding: f, campaign: campaign, on: db, actor: try req.requireActor(), audit: req.auditContext)
        }
    }

    /// A display name: the last path component, without control characters, at most 120 characters.
    static func safeName(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(last.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
        return clean.isEmpty ? "file" : String(clean.prefix(120))
    }

    func apiUpload(req: Request) async throws -> Response {
        let saved = try await store(req, try req.content.decode(Upload.self))
        let res = try await saved.map(Self.dto).encodeResponse(for: req)
        res.status = .created
        return res
    }

    func apiList(req: Request) async throws -> [EvidenceDTO] {
        let campaign = try await req.campaign()
        let f = try await FindingAPIController.finding(req, campaign)
        return try await Self.list(req, f).map(Self.dto)
    }

    func webUpload(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let code = req.parameters.get("finding") ?? ""
        do {
            _ = try await store(req, try req.content.decode(Upload.self))
            return req.seeOther(campaign.url(.finding(.value(code), .page)).path + "#evidence")
        } catch let error as PatrolError where [.unprocessableEntity, .unsupportedMediaType, .payloadTooLarge].contains(error.status) {
            let f = try await FindingAPIController.finding(req, campaign)
            let view = try await req.page("finding", title: "\(f.code) \(f.title)", campaign: campaign,
                                          content: try await FindingPage(req, campaign: campaign, finding: f, error: req.t(error)))
            let res = try await view.encodeResponse(for: req)
            res.status = error.status
            return res
        }
    }

    func download(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let f = try await FindingAPIController.finding(req, campaign)
        guard let id = req.parameters.get("evidence", as: UUID.self),
              let e = try await EvidenceFile.query(on: req.db).filter(\.$id == id).filter(\.$finding.$id == (try f.requireID())).first() else {
            throw PatrolError.notFound
        }
        let data = try EvidenceStore(dataDirectory: req.application.patrolOptions.dataDirectory).load(e.sha256)
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.replaceOrAdd(name: .contentType, value: e.contentType)
        let ascii = "\(f.code)-\(e.sha256.prefix(8)).\(e.originalName.split(separator: ".").last.map(String.init) ?? "bin")"
            .filter { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        let encoded = e.originalName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ascii
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)")
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; sandbox")
        res.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        return res
    }
}
