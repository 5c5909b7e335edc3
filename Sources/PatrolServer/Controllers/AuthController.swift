import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// Sign-in and sign-out for pages (session cookie) and the API (bearer token), password change,
/// and the language switch.
struct AuthController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .home, access: .anonymous, use: home)
        routes.endpoint(.GET, .login, access: .anonymous, use: loginPage)
        routes.endpoint(.POST, .login, access: .anonymous, use: loginSubmit)
        routes.endpoint(.POST, .logout, access: .passwordChange, use: logout)
        routes.endpoint(.GET, .password, access: .passwordChange, use: passwordPage)
        routes.endpoint(.POST, .password, access: .passwordChange, use: passwordSubmit)
        routes.endpoint(.GET, .language(.key), access: .anonymous, use: switchLanguage)

        routes.endpoint(.POST, .api(.login), access: .anonymous, use: apiLogin)
        routes.endpoint(.POST, .api(.logout), access: .passwordChange, use: apiLogout)
        routes.endpoint(.GET, .api(.me), access: .passwordChange, use: apiMe)
        routes.endpoint(.POST, .api(.password), access: .passwordChange, use: apiPassword)
    }

    // MARK: pages

    struct LoginView: Encodable {
        var username: String
        var next: String
        var error: String?
        var notice: String?
    }

    func home(req: Request) async throws -> Response {
        req.redirect(to: req.currentUser == nil ? SiteURL.login.path : SiteURL.campaigns.path)
    }

    func loginPage(req: Request) async throws -> Response {
        if req.currentUser != nil { return req.redirect(to: SiteURL.campaigns.path) }
        let expired = req.storage[SessionExpiredKey.self] == true
        let view = try await req.page("login", title: req.t("login.title"), content: LoginView(
            username: "", next: ReturnPath(req.query[String.self, at: "next"])?.path ?? "",
            error: nil, notice: expired ? req.t("login.expired") : nil))
        return try await view.encodeResponse(for: req)
    }

    struct LoginForm: Content {
        var username: String
        var password: String
        var next: String?
    }

    func loginSubmit(req: Request) async throws -> Response {
        let form = try req.content.decode(LoginForm.self)
        let result = try await Accounts(db: req.db, application: req.application)
            .login(username: form.username, password: form.password, kind: .web, clientAddress: req.clientAddress)
        switch result {
        case .success(let (token, user)):
            let target = user.mustChangePassword ? SiteURL.password.path : ReturnPath(form.next)?.path ?? SiteURL.campaigns.path
            let response = req.redirect(to: target, redirectType: .normal)
            response.cookies[IdentityMiddleware.cookieName] = HTTPCookies.Value(
                string: token, path: "/", isSecure: req.application.patrolOptions.secureCookies,
                isHTTPOnly: true, sameSite: .lax)
            return response
        case .failure(let failure):
            let message = req.t(failure == .disabled ? "login.disabled" : "login.invalid")
            let view = try await req.page("login", title: req.t("login.title"), content: LoginView(
                username: form.username, next: ReturnPath(form.next)?.path ?? "", error: message, notice: nil))
            let response = try await view.encodeResponse(for: req)
            response.status = .unauthorized
            return response
        }
    }

    func logout(req: Request) async throws -> Response {
        if let session = req.currentSession, let user = req.currentUser {
            try await Accounts(db: req.db, application: req.application).logout(session: session, user: user, clientAddress: req.clientAddress)
        }
        let response = req.redirect(to: SiteURL.login.path, redirectType: .normal)
        response.cookies[IdentityMiddleware.cookieName] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0),
                                                                           maxAge: 0, path: "/", isHTTPOnly: true, sameSite: .lax)
        return response
    }

    struct PasswordView: Encodable {
        var forced: Bool
        var error: String?
        var done: Bool
    }

    func passwordPage(req: Request) async throws -> View {
        let user = try req.requireUser()
        return try await req.page("password", title: req.t("password.title"),
                                  content: PasswordView(forced: user.mustChangePassword, error: nil, done: req.query[String.self, at: "done"] != nil))
    }

    struct PasswordForm: Content {
        var current: String
        var new: String
        var confirm: String
    }

    func passwordSubmit(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let form = try req.content.decode(PasswordForm.self)
        do {
            guard form.new == form.confirm else { throw PatrolError.invalid("error.password.mismatch") }
            try await Accounts(db: req.db, application: req.application).changePassword(
                user: user, current: form.current, new: form.new, keepSession: req.currentSession, context: req.auditContext)
            return req.seeOther(user.mustChangePassword ? SiteURL.campaigns.path : SiteURL.password.path(query: [("done", "1")]))
        } catch let error as PatrolError where error.status == .unprocessableEntity {
            let view = try await req.page("password", title: req.t("password.title"), content: PasswordView(
                forced: user.mustChangePassword, error: req.t(error), done: false))
            let response = try await view.encodeResponse(for: req)
            response.status = .unprocessableEntity
            return response
        }
    }

    func switchLanguage(req: Request) async throws -> Response {
        let language = Localizer.Language(rawValue: req.parameters.get("language") ?? "") ?? .zh
        let response = req.redirect(to: ReturnPath(req.query[String.self, at: "next"])?.path ?? SiteURL.home.path)
        response.cookies["patrol_lang"] = HTTPCookies.Value(string: language.rawValue, maxAge: 365 * 86400, path: "/",
                                                           isHTTPOnly: true, sameSite: .lax)
        return response
    }

    // MARK: API

    struct APILogin: Content {
        var username: String
        var password: String
    }

    struct TokenResponse: Content {
        var token: String
        var user: UserDTO
    }

    func apiLogin(req: Request) async throws -> TokenResponse {
        let body = try req.content.decode(APILogin.self)
        switch try await Accounts(db: req.db, application: req.application)
            .login(username: body.username, password: body.password, kind: .api, clientAddress: req.clientAddress) {
        case .success(let (token, user)):
            return TokenResponse(token: token, user: try await dto(user, on: req.db))
        case .failure(.disabled):
            throw PatrolError(.unauthorized, code: "disabled", key: "login.disabled", detail: "account disabled")
        case .failure(.refused):
            throw PatrolError(.unauthorized, code: "invalid_credentials", key: "login.invalid")
        }
    }

    func apiLogout(req: Request) async throws -> HTTPStatus {
        if let session = req.currentSession, let user = req.currentUser {
            try await Accounts(db: req.db, application: req.application).logout(session: session, user: user, clientAddress: req.clientAddress)
        }
        return .noContent
    }

    func apiMe(req: Request) async throws -> UserDTO {
        try await dto(try req.requireUser(), on: req.db)
    }

    struct APIPassword: Content {
        var currentPassword: String
        var newPassword: String
    }

    func apiPassword(req: Request) async throws -> HTTPStatus {
        let body = try req.content.decode(APIPassword.self)
        try await Accounts(db: req.db, application: req.application).changePassword(
            user: try req.requireUser(), current: body.currentPassword, new: body.newPassword,
            keepSession: req.currentSession, context: req.auditContext)
        return .noContent
    }
}

func dto(_ user: User, on db: any Database) async throws -> UserDTO {
    let unit = try await user.$unit.id.asyncMap { try await Unit.find($0, on: db)?.code }
    let team = try await user.$team.id.asyncMap { try await Team.find($0, on: db)?.code }
    return UserDTO(user, unitCode: unit ?? nil, teamCode: team ?? nil)
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
