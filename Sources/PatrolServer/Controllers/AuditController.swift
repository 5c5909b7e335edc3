import Fluent
import PatrolStore
import Vapor

/// The audit log for admins: newest first, filtered by actor, action, object and time, and the
/// state of the hash chain.
struct AuditController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .audit, access: .policy(.viewAudit), use: page)
    }

    struct Filter: Decodable {
        var actor: String?
        var action: String?
        var object: String?
        var from: String?
        var to: String?
        var page: Int?
    }

    struct AuditView: Encodable {
        struct Row: Encodable { var seq: Int; var at, actor, address, action, actionName, object, details, hash: String }
        var rows: [Row]
        /// The actions' names, offered as the action filter's suggestions.
        var actionNames: [String]
        var filter: [String: String]
        var pager: Pager
        var chainOK: Bool
        var chainChecked: Int
        var chainBreak: String?
    }

    func page(req: Request) async throws -> View {
        let filter = try req.query.decode(Filter.self)
        var query = AuditEvent.query(on: req.db)
        if let actor = filter.actor?.nonEmpty { query = query.filter(\.$actor == actor) }
        let names = Self.actionNames(req)
        if let action = filter.action?.trimmingCharacters(in: .whitespaces).nonEmpty {
            // The filter takes an action's name as the page shows it, or its key.
            query = query.filter(\.$action == (names.first { $0.value == action }?.key ?? action))
        }
        if let object = filter.object?.nonEmpty { query = query.filter(\.$objectID == object) }
        let day = DateFormatter()
        day.timeZone = req.application.patrolOptions.timeZone
        day.dateFormat = "yyyy-MM-dd"
        if let from = filter.from?.nonEmpty.flatMap(day.date(from:)) { query = query.filter(\.$at >= from) }
        if let to = filter.to?.nonEmpty.flatMap(day.date(from:)) { query = query.filter(\.$at < to.addingTimeInterval(86400)) }
        let pager = Pager(req, total: try await query.copy().count(), asked: filter.page, url: .audit,
                          query: [("actor", filter.actor), ("action", filter.action), ("object", filter.object),
                                  ("from", filter.from), ("to", filter.to)])
        let events = try await query.sort(\.$seq, .descending).offset(pager.offset).limit(pager.size).all()
        let time = DateFormatter()
        time.timeZone = day.timeZone
        time.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let rows = events.map { e in
            AuditView.Row(seq: e.seq, at: time.string(from: e.at), actor: e.actor, address: e.clientAddress, action: e.action,
                          actionName: names[e.action] ?? e.action,
                          object: "\(e.objectType) \(e.objectID)", details: e.details == "{}" ? "" : e.details, hash: String(e.hash.prefix(12)))
        }
        let verification = try await AuditLog.verify(on: req.db)
        var filterValues: [String: String] = [:]
        filterValues["actor"] = filter.actor ?? ""
        filterValues["action"] = filter.action ?? ""
        filterValues["object"] = filter.object ?? ""
        filterValues["from"] = filter.from ?? ""
        filterValues["to"] = filter.to ?? ""
        return try await req.page("audit", title: req.t("audit.title"), content: AuditView(
            rows: rows, actionNames: names.values.sorted(), filter: filterValues, pager: pager, chainOK: verification.firstBreak == nil,
            chainChecked: verification.checked, chainBreak: verification.firstBreak.map { "\($0)" }))
    }

    /// Each audited action's name in the reader's language, by key (`login.success` → 登录成功),
    /// from the strings table's `audit.action.*` entries; an action without one shows its key.
    static func actionNames(_ req: Request) -> [String: String] {
        let prefix = "audit_action_"
        var names: [String: String] = [:]
        for (key, name) in req.application.localizer.table(req.language) where key.hasPrefix(prefix) {
            // Action keys have no underscores: the table's underscores were their dots.
            names[key.dropFirst(prefix.count).replacingOccurrences(of: "_", with: ".")] = name
        }
        return names
    }
}
