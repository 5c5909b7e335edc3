import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// The finding lifecycle through the API (SPEC §3): an adapter that decodes the request, hands it
/// to `FindingLifecycle` and encodes the finding it leaves behind.
struct FindingAPIController: RouteCollection {
    /// Remediation reports may carry attachments (multipart) up to the upload cap.
    var maxBytes = 20 * 1024 * 1024

    func boot(routes: any RoutesBuilder) throws {
        func api(_ page: SiteURL.CampaignPage) -> SiteURL { .api(.campaign(.key, page)) }
        routes.endpoint(.POST, api(.findings), access: .policy(.submitFinding), use: submit)
        routes.endpoint(.GET, api(.findings), access: .policy(.listFindings), use: list)
        routes.endpoint(.GET, api(.finding(.key, .page)), access: .signedIn, use: get)
        routes.endpoint(.PATCH, api(.finding(.key, .page)), access: .signedIn, use: resubmit)
        routes.endpoint(.POST, api(.finding(.key, .review)), access: .policy(.reviewFindings), use: review)
        routes.endpoint(.POST, api(.finding(.key, .remediations)), access: .signedIn,
                        body: .collect(maxSize: ByteCount(value: maxBytes + 64 * 1024)), use: remediate)
        routes.endpoint(.POST, api(.finding(.key, .retests)), access: .policy(.reviewFindings), use: retest)
        routes.endpoint(.POST, api(.finding(.key, .shellCheck)), access: .policy(.reviewFindings), use: shellCheck)
    }

    /// The finding named by `:finding`, with its relations, if the actor may see it (else 404).
    static func finding(_ req: Request, _ campaign: Campaign) async throws -> Finding {
        guard let code = req.parameters.get("finding") else { throw PatrolError.notFound }
        return try await req.lifecycle().finding(code, in: campaign)
    }

    static func dto(_ req: Request, _ f: Finding) async throws -> FindingDTO {
        let reports = try await RemediationReport.query(on: req.db).filter(\.$finding.$id == f.requireID()).with(\.$retests)
            .sort(\.$submittedAt).all()
        var duplicateOf: String?
        if let id = f.$duplicateOf.id { duplicateOf = try await Finding.find(id, on: req.db)?.code }
        let notice = try await f.$notice.get(on: req.db)
        return FindingDTO(f, unitCode: f.unit.code, teamCode: f.team.code, assetCode: f.asset?.code,
                          noticeCode: notice?.code, duplicateOf: duplicateOf, reports: reports, for: try req.requireActor())
    }

    func created(_ req: Request, _ f: Finding) async throws -> Response {
        let response = try await Self.dto(req, f).encodeResponse(for: req)
        response.status = .created
        return response
    }

    struct ListFilter: Decodable {
        var unit: String?
        var team: String?
        var status: String?
        var severity: String?
    }

    /// A page of the findings the actor may see, oldest submission first (keyset by submission
    /// time and id); `total` counts the whole list under the same filters.
    func list(req: Request) async throws -> APIPage<FindingDTO> {
        let campaign = try await req.campaign()
        let actor = try req.requireActor()
        let filter = try req.query.decode(ListFilter.self)
        let request = try req.query.decode(PageRequest.self)
        let query = try req.lifecycle().visibleFindings(in: campaign)
        if let s = filter.status?.nonEmpty {
            guard let status = FindingStatus(rawValue: s) else { throw PatrolError.invalid("error.finding.status", ["status": s]) }
            // The public `submitted` includes findings waiting for information.
            if status == .submitted { query.filter(\.$status ~~ [.submitted, .needInfo]) } else { query.filter(\.$status == status) }
        }
        if let s = filter.severity?.nonEmpty {
            guard let severity = Severity(rawValue: s) else { throw PatrolError.invalid("error.finding.severity", ["severity": s]) }
            query.filter(\.$severity == severity)
        }
        // Unit and team filters by code, in the query (an unknown code matches nothing).
        if let u = filter.unit?.nonEmpty {
            query.filter(\.$unit.$id == (try await PatrolStore.Unit.query(on: req.db).filter(\.$code == u).first()?.id ?? UUID()))
        }
        if let t = filter.team?.nonEmpty {
            query.filter(\.$team.$id == (try await Team.query(on: req.db).filter(\.$code == t).first()?.id ?? UUID()))
        }
        let (findings, next, total) = try await query.with(\.$asset).with(\.$notice).apiPage(request, by: \.$submittedAt)
        let dupIDs = findings.compactMap { $0.$duplicateOf.id }
        let dupCodes = dupIDs.isEmpty ? [:] : Dictionary(
            try await Finding.query(on: req.db).filter(\.$id ~~ dupIDs).all().map { ($0.id!, $0.code) }, uniquingKeysWith: { a, _ in a })
        let items = findings.map { f in
            FindingDTO(f, unitCode: f.unit.code, teamCode: f.team.code, assetCode: f.asset?.code, noticeCode: f.notice?.code,
                       duplicateOf: f.$duplicateOf.id.flatMap { dupCodes[$0] }, reports: nil, for: actor)
        }
        return APIPage(items: items, nextCursor: next, total: total)
    }

    func get(req: Request) async throws -> FindingDTO {
        try await Self.dto(req, try await Self.finding(req, try await req.campaign()))
    }

    func submit(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        return try await created(req, try await req.lifecycle().submit(try req.content.decode(FindingDraft.self), in: campaign))
    }

    func resubmit(req: Request) async throws -> FindingDTO {
        let campaign = try await req.campaign()
        let f = try await Self.finding(req, campaign)
        try await req.lifecycle().resubmit(f, try req.content.decode(FindingDraft.self), in: campaign)
        return try await Self.dto(req, f)
    }

    func review(req: Request) async throws -> FindingDTO {
        let campaign = try await req.campaign()
        let f = try await Self.finding(req, campaign)
        try await req.lifecycle().review(f, try req.content.decode(ReviewDraft.self), in: campaign)
        return try await Self.dto(req, f)
    }

    /// A remediation report as multipart: the same fields plus files (`files[]` or `file`).
    struct RemediationUpload: Content {
        var summary: String?
        var shellsRemoved: String?
        var file: File?
        var files: [File]?
    }

    func remediate(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let f = try await Self.finding(req, campaign)
        let lifecycle = try req.lifecycle()
        if req.headers.contentType?.type == "multipart" {
            let upload = try req.content.decode(RemediationUpload.self)
            // Refused before any file is stored.
            try lifecycle.authorize(.submitRemediation(unitID: f.$unit.id))
            let files = try EvidenceController.check((upload.files ?? []) + (upload.file.map { [$0] } ?? []), req)
            let removed = ["true", "1", "on", "yes"].contains(upload.shellsRemoved?.lowercased() ?? "")
            try await lifecycle.remediate(f, .init(summary: upload.summary, shellsRemoved: removed), in: campaign, attachments: files)
        } else {
            try await lifecycle.remediate(f, try req.content.decode(RemediationDraft.self), in: campaign)
        }
        return try await created(req, f)
    }

    func retest(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let f = try await Self.finding(req, campaign)
        try await req.lifecycle().retest(f, try req.content.decode(RetestDraft.self), in: campaign)
        return try await created(req, f)
    }

    /// Advice for the reviewer: is each uploaded shell gone? (Not a decision.)
    func shellCheck(req: Request) async throws -> [ShellCheck.Result] {
        let campaign = try await req.campaign()
        return await ShellCheck.run(req, finding: try await Self.finding(req, campaign))
    }
}
