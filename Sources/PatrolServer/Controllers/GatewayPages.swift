import Foundation
import PatrolGateway
import PatrolStore
import Vapor

/// The gateway's web pages: the organiser's alerts and switches, a tester's proxy settings, the
/// records list and one record (with the replay comparison). The pages' contents are built by
/// their view-models (`GatewayOverviewPage`, `GatewayRecordsPage`, `GatewayRecordPage`).
extension GatewayController {
    // MARK: The gateway page

    func page(req: Request) async throws -> Response {
        try await Self.renderPage(req, newToken: nil, error: nil)
    }

    static func renderPage(_ req: Request, newToken: String?, error: String?, status: HTTPStatus = .ok) async throws -> Response {
        let campaign = try await req.campaign()
        let view = try await GatewayOverviewPage(req, campaign: campaign, actor: try req.requireActor(), proxy: publicAddress(req),
                                                 newToken: newToken, error: error)
        let response = try await req.page("gateway", title: req.t("gateway.title"), campaign: campaign, content: view)
            .encodeResponse(for: req)
        response.status = status
        if newToken != nil { response.headers.replaceOrAdd(name: .cacheControl, value: "no-store") }
        return response
    }

    // MARK: Forms on the gateway page

    /// A new token, shown once on the page with the settings filled in.
    func webToken(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let token = try await GatewayControl.rotateToken(username: actor.username, context: req.auditContext, on: req.db)
        await Self.apply(req)
        return try await Self.renderPage(req, newToken: token, error: nil)
    }

    struct SwitchForm: Content { var on: String?; var action: String? }

    func webInterceptAll(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let form = try req.content.decode(SwitchForm.self)
        try await GatewayControl.setInterceptAll(form.on == "1", campaign: campaign, context: req.auditContext, on: req.db)
        await Self.apply(req)
        return req.seeOther(campaign.url(.gateway(.page)).path(query: [("done", "interception")]))
    }

    /// Suspend, resume, or switch interception for one team.
    func webTeam(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let link = try await Self.link(req, campaign)
        let form = try req.content.decode(SwitchForm.self)
        let code = link.team.code
        switch form.action {
        case "suspend": try await GatewayControl.setState(.suspended, campaign: campaign, team: code, context: req.auditContext, on: req.db)
        case "resume": try await GatewayControl.setState(.active, campaign: campaign, team: code, context: req.auditContext, on: req.db)
        case "intercept-on": try await GatewayControl.setInterception(true, campaign: campaign, team: code, context: req.auditContext, on: req.db)
        case "intercept-off": try await GatewayControl.setInterception(false, campaign: campaign, team: code, context: req.auditContext, on: req.db)
        default: throw PatrolError.invalid("error.gateway.action")
        }
        await Self.apply(req)
        return req.seeOther(campaign.url(.gateway(.page)).path(query: [("done", form.action)]))
    }

    struct SettingsForm: Content {
        var rate, burst, bodyCapKB, retentionDays: String?

        /// The settings the form sets, by key; a field left out is not changed.
        var values: [String: String] {
            [
                "PATROL_GATEWAY_RATE": rate, "PATROL_GATEWAY_BURST": burst,
                "PATROL_GATEWAY_BODY_CAP_KB": bodyCapKB, "PATROL_GATEWAY_RETENTION_DAYS": retentionDays,
            ].compactMapValues { $0?.trimmingCharacters(in: .whitespaces) }
        }
    }

    /// The rate limit, body cap and retention, stored for every gateway node; a bad value is named.
    func webSettings(req: Request) async throws -> Response {
        let campaign = try await req.campaign()
        let form = try req.content.decode(SettingsForm.self)
        do {
            try await GatewaySettingsChange(db: req.db, audit: req.auditContext).save(form.values, campaign: campaign)
        } catch let invalid as GatewaySettings.Invalid {
            let message = req.t("error.gateway.setting", ["name": req.t("gateway.setting.\(Self.settingKey(invalid.key))"),
                                                          "value": String(invalid.value.prefix(20))])
            return try await Self.renderPage(req, newToken: nil, error: message, status: .unprocessableEntity)
        }
        await Self.apply(req)
        return req.seeOther(campaign.url(.gateway(.page)).path(query: [("done", "settings")]))
    }

    /// The name of a setting's label in the string tables.
    static func settingKey(_ key: String) -> String {
        switch key {
        case "PATROL_GATEWAY_RATE": "rate"
        case "PATROL_GATEWAY_BURST": "burst"
        case "PATROL_GATEWAY_BODY_CAP_KB": "bodyCap"
        default: "retention"
        }
    }

    // MARK: Records pages

    func recordsPage(req: Request) async throws -> Response {
        let records = try await Self.records(req)
        var filters = (try? req.query.decode(GatewayRecordFilter.self)) ?? GatewayRecordFilter()
        filters.per = 50
        var list = GatewayRecords.Page(records: [], total: 0, page: 1, per: 50)
        var error: String?
        do { list = try await records.page(filters) } catch let e as PatrolError where e.status == .unprocessableEntity {
            error = req.t(e)
        }
        let view = GatewayRecordsPage(req, campaign: records.campaign, actor: records.actor, filters: filters, list: list,
                                      teams: records.teams, error: error)
        let response = try await req.page("gateway-records", title: req.t("gateway.records.title"), campaign: records.campaign, content: view)
            .encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    func recordPage(req: Request) async throws -> Response {
        try await Self.renderRecord(req, error: nil)
    }

    static func renderRecord(_ req: Request, error: String?) async throws -> Response {
        let records = try await Self.records(req)
        let r = try await record(req, in: records)
        let view = try await GatewayRecordPage(req, record: r, records: records, error: error)
        let response = try await req.page("gateway-record", title: req.t("gateway.record.title", ["id": String(view.record.id)]),
                                          campaign: records.campaign, content: view).encodeResponse(for: req)
        if error != nil { response.status = .unprocessableEntity }
        return response
    }

    func webReplay(req: Request) async throws -> Response {
        let records = try await Self.records(req)
        let r = try await Self.record(req, in: records)
        do {
            let replayed = try await records.replay(r, gateway: req.application.gateway, eventLoop: req.eventLoop)
            return req.seeOther(GatewayLinks.record(records.campaign.code, replayed.id ?? 0))
        } catch let e as PatrolError where e.status == .conflict {
            return try await Self.renderRecord(req, error: e.detail ?? req.t(e))
        }
    }

    func webAttach(req: Request) async throws -> Response {
        let records = try await Self.records(req)
        let r = try await Self.record(req, in: records)
        let form = try req.content.decode(AttachBody.self)
        do {
            let f = try await records.attach(r, findingCode: form.finding, evidence: Self.evidence(req))
            return req.seeOther(records.campaign.url(.finding(.value(f.code), .page)).path)
        } catch let e as PatrolError where e.status == .unprocessableEntity {
            return try await Self.renderRecord(req, error: req.t(e))
        }
    }
}
