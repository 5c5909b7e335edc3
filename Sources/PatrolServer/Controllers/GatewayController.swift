import Fluent
import Foundation
import PatrolCore
import PatrolStore
import Vapor

/// The supervision gateway in the product (SPEC §6): records with filters, paging, export,
/// evidence and replay; the campaign CA; team switches; a tester's proxy settings and token.
/// The proxy itself is PatrolGateway; every change here is stored and audited through
/// `GatewayControl` and applied by this process's gateway at once (other nodes within a second).
/// Reading records is `GatewayRecords`; the web pages are in `GatewayPages.swift`, downloads and
/// switches in their own extensions.
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

    /// `GatewayRecordDTO` names the campaign's teams this way.
    typealias Teams = CampaignTeams

    /// The records of the request's campaign as its actor may read them.
    static func records(_ req: Request) async throws -> GatewayRecords {
        let campaign = try await req.campaign()
        return GatewayRecords(db: req.db, actor: try req.requireActor(), audit: req.auditContext, campaign: campaign,
                              teams: try await CampaignTeams(campaign, req.db))
    }

    /// The record the path names, if the actor may see it.
    static func record(_ req: Request, in records: GatewayRecords) async throws -> GatewayRecord {
        guard let id = req.parameters.get("record", as: Int.self) else { throw PatrolError.notFound }
        return try await records.record(id)
    }

    // MARK: Records API

    struct RecordList: Content {
        var records: [GatewayRecordDTO]
        var total: Int
        var page: Int
        var per: Int
    }

    func apiList(req: Request) async throws -> RecordList {
        let records = try await Self.records(req)
        let page = try await records.page(try req.query.decode(GatewayRecordFilter.self))
        return RecordList(records: page.records.map { GatewayRecordDTO($0, campaign: records.campaign.code, teams: records.teams, detail: false) },
                          total: page.total, page: page.page, per: page.per)
    }

    func apiShow(req: Request) async throws -> GatewayRecordDTO {
        let records = try await Self.records(req)
        let r = try await Self.record(req, in: records)
        return GatewayRecordDTO(r, campaign: records.campaign.code, teams: records.teams, detail: true)
    }

    struct AttachBody: Content { var finding: String }

    func apiAttach(req: Request) async throws -> Response {
        let records = try await Self.records(req)
        let r = try await Self.record(req, in: records)
        let body = try req.content.decode(AttachBody.self)
        let f = try await records.attach(r, findingCode: body.finding, evidence: Self.evidence(req))
        let files = try await EvidenceController.list(req, f)
        return try await files.map(EvidenceController.dto).encodeResponse(status: .created, for: req)
    }

    static func evidence(_ req: Request) -> EvidenceStore {
        EvidenceStore(dataDirectory: req.application.patrolOptions.dataDirectory)
    }

    func apiReplay(req: Request) async throws -> Response {
        let records = try await Self.records(req)
        let r = try await Self.record(req, in: records)
        let replayed = try await records.replay(r, gateway: req.application.gateway, eventLoop: req.eventLoop)
        return try await GatewayRecordDTO(replayed, campaign: records.campaign.code, teams: records.teams, detail: true)
            .encodeResponse(status: .created, for: req)
    }
}
