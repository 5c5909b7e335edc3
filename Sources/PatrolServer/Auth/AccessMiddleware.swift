import PatrolCore
import Vapor

/// Enforces a route's declared `RouteAccess` before its handler runs.
struct AccessMiddleware: AsyncMiddleware {
    let access: RouteAccess

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        switch access {
        case .anonymous:
            break
        case .passwordChange:
            _ = try request.requireActor()
        case .signedIn, .policy:
            let user = try request.requireUser()
            if user.mustChangePassword { throw PatrolError.passwordChangeRequired }
            if case .policy(let action) = access { try request.authorize(action) }
        }
        return try await next.respond(to: request)
    }
}
