import Fluent
import PatrolCore
import PatrolStore
import SQLKit
import Vapor

/// Account administration for admins: list, create (with a generated password shown once),
/// enable/disable, reset password.
struct UserController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .users, access: .policy(.manageUsers), use: list)
        routes.endpoint(.GET, .newUser, access: .policy(.manageUsers), use: newForm)
        routes.endpoint(.POST, .users, access: .policy(.manageUsers), use: create)
        routes.endpoint(.POST, .user(.key, .disable), access: .policy(.manageUsers), use: disable)
        routes.endpoint(.POST, .user(.key, .enable), access: .policy(.manageUsers), use: enable)
        routes.endpoint(.POST, .user(.key, .reset), access: .policy(.manageUsers), use: reset)

        routes.endpoint(.GET, .api(.users), access: .policy(.manageUsers), use: apiList)
        routes.endpoint(.POST, .api(.users), access: .policy(.manageUsers), use: apiCreate)
        routes.endpoint(.GET, .api(.user(.key, .page)), access: .policy(.manageUsers), use: apiGet)
        routes.endpoint(.PATCH, .api(.user(.key, .page)), access: .policy(.manageUsers), use: apiUpdate)
        routes.endpoint(.POST, .api(.user(.key, .password)), access: .policy(.manageUsers), use: apiReset)
    }

    func user(_ req: Request) async throws -> User {
        guard let name = req.parameters.get("user"),
              let user = try await User.query(on: req.db).filter(\.$username == name.lowercased()).first() else {
            throw PatrolError.notFound
        }
        return user
    }

    struct ListView: Encodable {
        struct Row: Encodable {
            var username, displayName, role, roleName, scope, lastLogin: String
            var disabled, locked, mustChange, isSelf: Bool
            var resetAction, enableAction, disableAction: String
        }
        var rows: [Row]
        var newHref: String
        var created: Created?
        var q: String
        var roles: [SelectOption]
        var sorts: [SelectOption]
        var pager: Pager
    }

    struct Filter: Decodable {
        /// Words to find in the user name or display name.
        var q: String?
        var role: String?
        var sort: String?
        var page: Int?
    }

    /// The accounts with the filter's role and words (user names are stored lower case, display
    /// names as written), their units and teams loaded.
    static func users(_ req: Request, _ filter: Filter) -> QueryBuilder<User> {
        let query = User.query(on: req.db).with(\.$unit).with(\.$team)
        if let role = filter.role?.nonEmpty.flatMap(Role.init(rawValue:)) { query.filter(\.$role == role) }
        for word in (filter.q ?? "").split(whereSeparator: \.isWhitespace).map(String.init).prefix(5) {
            query.group(.or) { $0.filter(\.$username ~~ word.lowercased()).filter(\.$displayName ~~ word) }
        }
        return query
    }

    /// The orders the users list offers; the first is the default.
    enum Order: String, CaseIterable {
        case role, username, lastLogin
    }

    struct Created: Encodable {
        var username: String
        var password: String
    }

    func list(req: Request, created: Created? = nil) async throws -> View {
        let filter = (try? req.query.decode(Filter.self)) ?? Filter()
        let query = Self.users(req, filter)
        let order = filter.sort.flatMap(Order.init(rawValue:)) ?? .role
        let pager = Pager(req, total: try await query.copy().count(), asked: filter.page, url: .users,
                          query: [("q", filter.q), ("role", filter.role), ("sort", order == .role ? nil : order.rawValue)])
        switch order {
        case .role: query.sort(\.$role).sort(\.$username)
        case .username: query.sort(\.$username)
        case .lastLogin:
            // Never signed in last on both engines (PostgreSQL puts NULL first when descending).
            query.sort(.custom(SQLQueryString("CASE WHEN \(ident: "last_login_at") IS NULL THEN 1 ELSE 0 END")))
                .sort(\.$lastLoginAt, .descending).sort(\.$username)
        }
        let users = try await query.offset(pager.offset).limit(pager.size).all()
        let now = Date()
        let f = DateFormatter()
        f.timeZone = req.application.patrolOptions.timeZone
        f.dateFormat = "yyyy-MM-dd HH:mm"
        let rows = users.map { u in
            ListView.Row(username: u.username, displayName: u.displayName, role: u.role.rawValue,
                         roleName: req.t("role.\(u.role.rawValue)"),
                         scope: u.unit.map { "\($0.code) \($0.name)" } ?? u.team.map { "\($0.code) \($0.name)" } ?? "",
                         lastLogin: u.lastLoginAt.map { f.string(from: $0) } ?? "",
                         disabled: u.disabled, locked: (u.lockedUntil ?? .distantPast) > now, mustChange: u.mustChangePassword,
                         isSelf: u.id == req.currentUser?.id, resetAction: SiteURL.user(.value(u.username), .reset).path,
                         enableAction: SiteURL.user(.value(u.username), .enable).path,
                         disableAction: SiteURL.user(.value(u.username), .disable).path)
        }
        return try await req.page("users", title: req.t("users.title"), content: ListView(
            rows: rows, newHref: SiteURL.newUser.path, created: created, q: filter.q ?? "",
            roles: Role.allCases.map { .init(value: $0.rawValue, label: req.t("role.\($0.rawValue)"), selected: $0.rawValue == filter.role) },
            sorts: Order.allCases.map { .init(value: $0.rawValue, label: req.t("users.sort.\($0.rawValue)"), selected: $0 == order) },
            pager: pager))
    }

    func list(req: Request) async throws -> View { try await list(req: req, created: nil) }

    struct FormView: Encodable {
        typealias Option = SelectOption
        var roles: [Option]
        var units: [Option]
        var teams: [Option]
        var username, displayName, phone: String
        var action, cancelHref: String
        var error: String?
    }

    func formView(_ req: Request, _ form: UserDraft?, error: String?) async throws -> FormView {
        let units = try await PatrolStore.Unit.query(on: req.db).sort(\.$code).all()
        let teams = try await Team.query(on: req.db).sort(\.$code).all()
        return FormView(
            roles: Role.allCases.map { .init(value: $0.rawValue, label: req.t("role.\($0.rawValue)"), selected: $0.rawValue == form?.role) },
            units: units.map { .init(value: $0.code, label: "\($0.code) \($0.name)", selected: $0.code == form?.unit) },
            teams: teams.map { .init(value: $0.code, label: "\($0.code) \($0.name)", selected: $0.code == form?.team) },
            username: form?.username ?? "", displayName: form?.displayName ?? "", phone: form?.phone ?? "",
            action: SiteURL.users.path, cancelHref: SiteURL.users.path, error: error)
    }

    func newForm(req: Request) async throws -> View {
        try await req.page("user-form", title: req.t("users.new"), content: try await formView(req, nil, error: nil))
    }

    func create(req: Request) async throws -> Response {
        var form = try req.content.decode(UserDraft.self)
        // The admin's form never sets a password: one is generated and shown once, below.
        form.password = nil
        do {
            let created = try await Accounts(db: req.db, application: req.application).create(form, context: req.auditContext)
            // The generated password is shown once, on this response, and stored nowhere in clear.
            return try await list(req: req, created: Created(username: created.user.username, password: created.generatedPassword ?? ""))
                .encodeResponse(for: req)
        } catch let error as PatrolError where [.unprocessableEntity, .conflict].contains(error.status) {
            let view = try await req.page("user-form", title: req.t("users.new"),
                                          content: try await formView(req, form, error: req.t(error)))
            let response = try await view.encodeResponse(for: req)
            response.status = error.status
            return response
        }
    }

    func disable(req: Request) async throws -> Response {
        let user = try await user(req)
        guard user.id != req.currentUser?.id else { throw PatrolError.conflict("error.user.self") }
        try await Accounts(db: req.db, application: req.application).setDisabled(user, true, context: req.auditContext)
        return req.seeOther(SiteURL.users.path)
    }

    func enable(req: Request) async throws -> Response {
        let user = try await user(req)
        try await Accounts(db: req.db, application: req.application).setDisabled(user, false, context: req.auditContext)
        return req.seeOther(SiteURL.users.path)
    }

    func reset(req: Request) async throws -> Response {
        let user = try await user(req)
        let password = try await Accounts(db: req.db, application: req.application).resetPassword(user: user, context: req.auditContext)
        return try await list(req: req, created: Created(username: user.username, password: password)).encodeResponse(for: req)
    }

    // MARK: API

    /// A page of the accounts by user name (keyset), with the list's role and name filters.
    func apiList(req: Request) async throws -> APIPage<UserDTO> {
        let filter = try req.query.decode(Filter.self)
        let query = Self.users(req, filter)
        let (users, next, total) = try await query.apiPage(try req.query.decode(PageRequest.self), by: \.$username)
        return APIPage(items: users.map { UserDTO($0, unitCode: $0.unit?.code, teamCode: $0.team?.code) }, nextCursor: next, total: total)
    }

    func apiGet(req: Request) async throws -> UserDTO {
        try await dto(try await user(req), on: req.db)
    }

    struct Created201: Content {
        var user: UserDTO
        /// Only when the platform generated it; the user must change it at first login.
        var password: String?
    }

    func apiCreate(req: Request) async throws -> Response {
        let body = try req.content.decode(UserDraft.self)
        let created = try await Accounts(db: req.db, application: req.application).create(body, context: req.auditContext)
        let response = Response(status: .created)
        try response.content.encode(Created201(user: try await dto(created.user, on: req.db), password: created.generatedPassword))
        return response
    }

    struct APIUpdate: Content { var disabled: Bool? }

    func apiUpdate(req: Request) async throws -> UserDTO {
        let user = try await user(req)
        let body = try req.content.decode(APIUpdate.self)
        if let disabled = body.disabled {
            if disabled, user.id == req.currentUser?.id { throw PatrolError.conflict("error.user.self") }
            try await Accounts(db: req.db, application: req.application).setDisabled(user, disabled, context: req.auditContext)
        }
        return try await dto(user, on: req.db)
    }

    struct ResetResponse: Content { var password: String }

    func apiReset(req: Request) async throws -> ResetResponse {
        let user = try await user(req)
        return ResetResponse(password: try await Accounts(db: req.db, application: req.application)
            .resetPassword(user: user, context: req.auditContext))
    }
}
