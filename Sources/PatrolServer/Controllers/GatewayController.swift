import Fluent
import Foundation
import PatrolCore
import PatrolGateway
import PatrolStore
import Vapor

/// The supervision gateway in the product (SPEC §6): records with filters, paging, export,
/// evidence and replay; the campaign CA; team switches; a tester's proxy settings and token.
/// The proxy itself is PatrolGateway; every change here is stored and audited through
/// `GatewayControl` and applied by this process's gateway at once (other nodes within a second).
struct GatewayController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        func api(_ page: SiteURL.CampaignPage) -> SiteURL { .api(.campaign(.key, page)) }
        routes.endpoint(.GET, api(.gateway(.records)), access: .policy(.listGatewayRecords), use: apiList)
        routes.endpoint(.GET, api(.gateway(.recordsExport)), access: .policy(.listGatewayRecords), body: .stream, use: export)
        routes.endpoint(.GET, api(.gateway(.record(.key, .page))), access: .policy(.listGatewayRecords), use: apiShow)
        routes.endpoint(.POST, api(.gateway(.record(.key, .attach))), access: .policy(.listGatewayRecords), use: apiAttach)
        routes.endpoint(.POST, api(.gateway(.record(.key, .replay))), access: .policy(.replayGatewayRecords), use: apiReplay)
        routes.endpoint(.GET, api(.gateway(.ca)), access: .policy(.downloadGatewayCA), use: caCertificate)
        routes.endpoint(.PATCH, api(.gateway(.page)), access: .policy(.controlGateway), use: apiInterceptAll)
        routes.endpoint(.POST, api(.team(.key, .suspend)), access: .policy(.controlGateway), use: apiSuspend)
        routes.endpoint(.POST, api(.team(.key, .resume)), access: .policy(.controlGateway), use: apiResume)
        routes.endpoint(.POST, .api(.gatewayToken), access: .policy(.rotateGatewayToken), use: apiToken)

        func web(_ page: SiteURL.GatewayPage) -> SiteURL { .campaign(.key, .gateway(page)) }
        routes.endpoint(.GET, web(.page), access: .policy(.viewGateway), use: page)
        routes.endpoint(.GET, web(.ca), access: .policy(.downloadGatewayCA), use: caCertificate)
        routes.endpoint(.POST, web(.token), access: .policy(.rotateGatewayToken), use: webToken)
        routes.endpoint(.POST, web(.interceptAll), access: .policy(.controlGateway), use: webInterceptAll)
        routes.endpoint(.POST, web(.settings), access: .policy(.controlGateway), use: webSettings)
        routes.endpoint(.POST, web(.team(.key)), access: .policy(.controlGateway), use: webTeam)
        routes.endpoint(.GET, web(.records), access: .policy(.listGatewayRecords), use: recordsPage)
        // The same export as the API's, for the records page (a session cookie, not a bearer token).
        routes.endpoint(.GET, web(.recordsExport), access: .policy(.listGatewayRecords), body: .stream, use: export)
        routes.endpoint(.GET, web(.record(.key, .page)), access: .policy(.listGatewayRecords), use: recordPage)
        routes.endpoint(.POST, web(.record(.key, .replay)), access: .policy(.replayGatewayRecords), use: webReplay)
        routes.endpoint(.POST, web(.record(.key, .attach)), access: .policy(.listGatewayRecords), use: webAttach)
    }

    // MARK: Records: query

    struct Filters: Content {
        var team: String?
        var tester: String?
        var host: String?
        var status: String?
        var decision: String?
        var alert: String?
        var from: String?
        var to: String?
        var q: String?
        var page: Int?
        var per: Int?
    }

    /// The teams of a campaign by id and by code.
    struct Teams {
        var codes: [UUID: String] = [:]
        var ids: [String: UUID] = [:]

        init(_ campaign: Campaign, _ db: any Database) async throws {
            self.init(try await CampaignTeam.query(on: db).filter(\.$campaign.$id == campaign.requireID()).with(\.$team).all())
        }

        /// From links already loaded with their teams.
        init(_ links: [CampaignTeam]) {
            for link in links {
                guard let id = link.team.id else { continue }
                codes[id] = link.team.code
                ids[link.team.code] = id
            }
        }
    }

    /// A time from a filter: RFC 3339, or `yyyy-MM-ddTHH:mm` (a browser's local time field) in the campaign's zone.
    static func time(_ text: String?, field: String, zone: TimeZone) throws -> Date? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        let iso = ISO8601DateFormatter()
        if let d = iso.date(from: text) { return d }
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = iso.date(from: text) { return d }
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"] {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = zone
            f.dateFormat = format
            if let d = f.date(from: text) { return d }
        }
        throw PatrolError.invalid("error.gateway.time", ["field": field, "value": String(text.prefix(40))])
    }

    /// The records query for `filters`, restricted to what the actor may see (a tester: their team's).
    static func query(_ req: Request, _ campaign: Campaign, _ filters: Filters, teams: Teams) throws -> QueryBuilder<GatewayRecord> {
        let actor = try req.requireActor()
        let q = GatewayRecord.query(on: req.db).filter(\.$campaign.$id == (try campaign.requireID()))
        if case .some(let only) = AccessPolicy.visibleTeam(for: actor) {
            guard let team = only else { throw PatrolError.forbidden }
            q.filter(\.$team.$id == team)
        }
        if let code = filters.team?.trimmingCharacters(in: .whitespaces), !code.isEmpty {
            // An unknown team matches nothing rather than everything.
            q.filter(\.$team.$id == (teams.ids[code] ?? UUID()))
        }
        if let tester = filters.tester?.trimmingCharacters(in: .whitespaces), !tester.isEmpty { q.filter(\.$username == tester) }
        if let host = filters.host?.trimmingCharacters(in: .whitespaces).lowercased(), !host.isEmpty { q.filter(\.$host == host) }
        if let text = filters.status?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let status = Int(text), (0...999).contains(status) else {
                throw PatrolError.invalid("error.gateway.status", ["value": String(text.prefix(20))])
            }
            q.filter(\.$status == status)
        }
        if let decision = filters.decision, !decision.isEmpty {
            guard decision == "allowed" || decision == "denied" else {
                throw PatrolError.invalid("error.gateway.decision", ["value": String(decision.prefix(20))])
            }
            q.filter(\.$decision == decision)
        }
        if let alert = filters.alert, !alert.isEmpty {
            if alert == "any" {
                q.filter(\.$alerts != nil)
            } else {
                guard GatewayRecordDTO.alertNames.contains(alert) else {
                    throw PatrolError.invalid("error.gateway.alert", ["value": String(alert.prefix(30))])
                }
                q.filter(\.$alerts ~~ alert)
            }
        }
        if let from = try time(filters.from, field: "from", zone: campaign.zone) { q.filter(\.$startedAt >= from) }
        if let to = try time(filters.to, field: "to", zone: campaign.zone) { q.filter(\.$startedAt < to) }
        if let text = filters.q?.trimmingCharacters(in: .whitespaces), !text.isEmpty { q.filter(\.$url ~~ text) }
        return q
    }

    /// One record of the campaign the actor may see; 404 otherwise (a tester asking for another team's).
    static func record(_ req: Request, _ campaign: Campaign) async throws -> GatewayRecord {
        guard let id = req.parameters.get("record", as: Int.self),
              let r = try await GatewayRecord.query(on: req.db).filter(\.$id == id)
                .filter(\.$campaign.$id == (try campaign.requireID())).first() else {
            throw PatrolError.notFound
        }
        try req.authorize(.viewGatewayRecord(teamID: r.$team.id))
        return r
    }

    struct RecordList: Content {
        var records: [GatewayRecordDTO]
        var total: Int
        var page: Int
        var per: Int
    }

    static func list(_ req: Request, _ campaign: Campaign, _ filters: Filters, teams: Teams) async throws -> RecordList {
        let per = min(max(filters.per ?? 50, 1), 500)
        let page = max(filters.page ?? 1, 1)
        let q = try query(req, campaign, filters, teams: teams)
        let total = try await q.copy().count()
        let rows = try await GatewayRecordDTO.selectListFields(q.sort(\.$id, .descending).range(((page - 1) * per)..<(page * per))).all()
        return RecordList(records: rows.map { GatewayRecordDTO($0, campaign: campaign.code, teams: teams, detail: false) },
                          total: total, page: page, per: per)
    }

    func apiList(req: Request) async throws -> RecordList {
        let campaign = try await req.campaign()
        return try await Self.list(req, campaign, try req.query.decode(Filters.self), teams: try await Teams(campaign, req.db))
    }

    func apiShow(req: Request) async throws -> GatewayRecordDTO {
        let campaign = try await req.campaign()
        let r = try await Self.record(req, campaign)
        return GatewayRecordDTO(r, campaign: campaign.code, teams: try await Teams(campaign, req.db), detail: true)
    }

    /// Every matching record as JSON lines, streamed in pages of 500 so memory stays flat.
    func export(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let filters = try req.query.decode(Filters.self)
        let teams = try await Teams(campaign, req.db)
        _ = try Self.query(req, campaign, filters, teams: teams)  // filter errors before the 200 goes out
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let response = Response(status: .ok, body: .init(asyncStream: { writer in
            do {
                var lastID = Int.max
                while true {
                    let rows = try await Self.query(req, campaign, filters, teams: teams).filter(\.$id < lastID)
                        .sort(\.$id, .descending).limit(500).all()
                    guard let last = rows.last?.id else { break }
                    var chunk = ByteBuffer()
                    for r in rows {
                        chunk.writeBytes(try encoder.encode(GatewayRecordDTO(r, campaign: campaign.code, teams: teams, detail: true)))
                        chunk.writeString("\n")
                    }
                    try await writer.write(.buffer(chunk))
                    lastID = last
                    if rows.count < 500 { break }
                }
                try await writer.write(.end)
            } catch {
                try await writer.write(.error(error))
            }
        }))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "x-ndjson", parameters: ["charset": "utf-8"])
        response.headers.contentDisposition = .init(.attachment, filename: "gateway-\(campaign.code).jsonl")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }

    // MARK: Records: evidence and replay

    struct AttachBody: Content { var finding: String }

    /// Adds the record to a finding as a text transcript (request and response, headers and bodies).
    static func attach(_ req: Request, _ campaign: Campaign, _ r: GatewayRecord, findingCode: String) async throws -> Finding {
        let code = findingCode.trimmingCharacters(in: .whitespaces)
        guard !code.isEmpty else { throw PatrolError.invalid("error.gateway.findingRequired") }
        guard let f = try await Finding.query(on: req.db).filter(\.$campaign.$id == campaign.requireID())
            .filter(\.$code == code).first() else {
            throw PatrolError.invalid("error.gateway.noFinding", ["code": String(code.prefix(30))])
        }
        try req.authorize(.viewFinding(unitID: f.$unit.id, teamID: f.$team.id, status: f.status))
        try req.authorize(.attachEvidence(unitID: f.$unit.id, teamID: f.$team.id, status: f.status))
        let teams = try await Teams(campaign, req.db)
        let transcript = GatewayRecordDTO(r, campaign: campaign.code, teams: teams, detail: true).transcript
        let data = Data(transcript.utf8)
        let stored = try EvidenceStore(dataDirectory: req.application.patrolOptions.dataDirectory).save(data)
        let checked = EvidenceController.Checked(name: "gateway-\(r.id ?? 0).txt", size: data.count, kind: ContentSniffer.text, sha256: stored)
        try await req.db.transaction { db in
            _ = try await EvidenceController.record([checked], finding: f, campaign: campaign, on: db, actor: try req.requireActor(), audit: req.auditContext)
            try await AuditLog.append(on: db, req.auditContext, action: "gateway.record.attach", objectType: "finding",
                                      objectID: "\(campaign.code)/\(f.code)", details: ["record": String(r.id ?? 0)])
        }
        return f
    }

    func apiAttach(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let r = try await Self.record(req, campaign)
        let body = try req.content.decode(AttachBody.self)
        let f = try await Self.attach(req, campaign, r, findingCode: body.finding)
        let files = try await EvidenceController.list(req, f)
        return try await files.map(EvidenceController.dto).encodeResponse(status: .created, for: req)
    }

    /// Replays the record through the gateway's checks; returns the new record.
    static func replay(_ req: Request, _ campaign: Campaign, _ r: GatewayRecord) async throws -> GatewayRecord {
        let actor = try req.requireActor()
        let gateway = req.application.gateway
        let id: Int
        do {
            id = try await GatewayReplay.run(record: r, actorID: actor.userID, username: actor.username, db: req.db,
                                             eventLoop: req.eventLoop, resolver: gateway?.resolver ?? SystemResolver(),
                                             bodyCap: gateway?.view?.settings.bodyCapBytes ?? 64 * 1024, gateway: gateway)
        } catch let refusal as Refusal {
            throw PatrolError(.conflict, code: refusal.rawValue, key: "error.gateway.replayRefused", values: ["reason": refusal.rawValue])
        } catch let problem as GatewayReplay.Problem {
            throw PatrolError(.conflict, code: "not_replayable", key: "error.gateway.notReplayable", detail: problem.description)
        }
        try await AuditLog.append(on: req.db, req.auditContext, action: "gateway.record.replay", objectType: "gateway_record",
                                  objectID: String(r.id ?? 0), details: ["replay": String(id)])
        guard let replayed = try await GatewayRecord.find(id, on: req.db) else { throw PatrolError.notFound }
        return replayed
    }

    func apiReplay(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let r = try await Self.record(req, campaign)
        let replayed = try await Self.replay(req, campaign, r)
        return try await GatewayRecordDTO(replayed, campaign: campaign.code, teams: try await Teams(campaign, req.db), detail: true)
            .encodeResponse(status: .created, for: req)
    }

    // MARK: CA, switches, token

    /// The name the campaign's CA downloads under, which the testers' tool settings refer to.
    static func caFileName(campaign code: String) -> String { "patrol-\(code)-ca.pem" }

    func caCertificate(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        // The running gateway's copy when there is one (already loaded), else from the data directory.
        let ca = try req.application.gateway?.authority(campaign: campaign.code)
            ?? CampaignCA.loadOrCreate(dataDirectory: URL(fileURLWithPath: req.application.patrolOptions.dataDirectory),
                                       campaign: campaign.code)
        let response = Response(status: .ok, body: .init(string: ca.certificatePEM))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "x-pem-file")
        response.headers.contentDisposition = .init(.attachment, filename: Self.caFileName(campaign: campaign.code))
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }

    /// Applies a stored change in this process's gateway now (its open connections are checked again).
    static func apply(_ req: Request) async {
        do { try await req.application.gateway?.refresh() } catch {
            req.logger.error("gateway refresh after a change: \(databaseErrorText(error))")
        }
    }

    static func link(_ req: Request, _ campaign: Campaign) async throws -> CampaignTeam {
        guard let code = req.parameters.get("team") else { throw PatrolError.notFound }
        do { return try await GatewayControl.link(campaign, team: code, on: req.db) } catch is GatewayControl.Problem {
            throw PatrolError.notFound
        }
    }

    static func teamDTO(_ link: CampaignTeam) -> TeamDTO {
        TeamDTO(code: link.team.code, name: link.team.name, company: link.team.company, state: link.state.rawValue,
                interception: link.interception)
    }

    static func setState(_ req: Request, _ state: TeamState) async throws -> TeamDTO {
        let campaign = try await req.campaign()
        let link = try await Self.link(req, campaign)
        try await GatewayControl.setState(state, campaign: campaign, team: link.team.code, context: req.auditContext, on: req.db)
        await apply(req)
        return teamDTO(try await Self.link(req, campaign))
    }

    func apiSuspend(req: Request) async throws -> TeamDTO { try await Self.setState(req, .suspended) }
    func apiResume(req: Request) async throws -> TeamDTO { try await Self.setState(req, .active) }

    struct GatewayPatch: Content { var interceptAll: Bool? }
    struct GatewayState: Content { var campaign: String; var interceptAll: Bool }

    func apiInterceptAll(req: Request) async throws -> GatewayState {
        let campaign = try await req.campaign()
        let patch = try req.content.decode(GatewayPatch.self)
        guard let on = patch.interceptAll else { throw PatrolError.invalid("error.gateway.interceptionRequired") }
        try await GatewayControl.setInterceptAll(on, campaign: campaign, context: req.auditContext, on: req.db)
        await Self.apply(req)
        return GatewayState(campaign: campaign.code, interceptAll: try await GatewayControl.interceptAll(campaign: campaign, on: req.db))
    }

    struct TokenResponse: Content { var username: String; var token: String; var proxy: String }

    func apiToken(req: Request) async throws -> TokenResponse {
        let actor = try req.requireActor()
        let token = try await GatewayControl.rotateToken(username: actor.username, context: req.auditContext, on: req.db)
        await Self.apply(req)
        return TokenResponse(username: actor.username, token: token, proxy: Self.publicAddress(req))
    }

    /// Where testers point their tools: `PATROL_GATEWAY_PUBLIC` (host:port as testers reach it),
    /// otherwise the address `patrol serve` gave its own gateway.
    static func publicAddress(_ req: Request) -> String {
        if let configured = Environment.get("PATROL_GATEWAY_PUBLIC")?.trimmingCharacters(in: .whitespaces), !configured.isEmpty {
            return configured
        }
        return req.application.gatewayAddress ?? "127.0.0.1:8888"
    }
}
