import Fluent
import PatrolStore
import Vapor

/// Finds who is asking: the `patrol_session` cookie for pages, `Authorization: Bearer` for the
/// API (never the cookie, so the API needs no CSRF token). Ends sessions idle for too long.
struct IdentityMiddleware: AsyncMiddleware {
    static let cookieName = "patrol_session"
    let idleTimeout: TimeInterval

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let isAPI = request.isAPI
        let token: String? = isAPI ? request.headers.bearerAuthorization?.token : request.cookies[Self.cookieName]?.string
        if let token, !token.isEmpty {
            try await resolve(token: token, kind: isAPI ? .api : .web, on: request)
        }
        return try await next.respond(to: request)
    }

    private func resolve(token: String, kind: UserSession.Kind, on request: Request) async throws {
        guard let session = try await UserSession.query(on: request.db)
            .filter(\.$tokenHash == SessionToken.digest(token)).with(\.$user).first(),
              session.kind == kind else { return }
        let now = Date()
        if session.user.disabled || now.timeIntervalSince(session.lastSeenAt) > idleTimeout {
            try await session.delete(on: request.db)
            request.storage[SessionExpiredKey.self] = true
            return
        }
        // One write a minute at most, not one per request.
        if now.timeIntervalSince(session.lastSeenAt) > 60 {
            session.lastSeenAt = now
            try await session.save(on: request.db)
        }
        request.storage[CurrentUserKey.self] = session.user
        request.storage[CurrentSessionKey.self] = session
    }
}
