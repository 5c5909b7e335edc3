import PatrolCore
import Vapor

/// What a route requires, declared where the route is registered and enforced by
/// `AccessMiddleware` through `AccessPolicy`. Object-level checks (which unit) follow in the
/// handler through `Request.authorize`, which asks the same policy.
public enum RouteAccess: Sendable, Equatable {
    /// Login page, health check, static assets.
    case anonymous
    /// Any signed-in user, even one who must still change a generated password.
    case passwordChange
    /// Any signed-in user who has a password of their own.
    case signedIn
    /// A signed-in user whom the policy allows this action.
    case policy(Action)
}

extension RoutesBuilder {
    /// Registers a route with its access rule; every route of Patrol is registered this way, and a
    /// test checks that none is missing one.
    @discardableResult
    func endpoint<R: AsyncResponseEncodable>(
        _ method: HTTPMethod, _ path: PathComponent..., access: RouteAccess,
        body: HTTPBodyStreamStrategy = .collect,
        use handler: @Sendable @escaping (Request) async throws -> R
    ) -> Route {
        let route = grouped(AccessMiddleware(access: access)).on(method, path, body: body, use: handler)
        route.userInfo["access"] = access
        return route
    }
}

extension RoutesBuilder {
    /// Registers a route named by `SiteURL`, with its access rule.
    @discardableResult
    func endpoint<R: AsyncResponseEncodable>(
        _ method: HTTPMethod, _ url: SiteURL, access: RouteAccess,
        body: HTTPBodyStreamStrategy = .collect,
        use handler: @Sendable @escaping (Request) async throws -> R
    ) -> Route {
        let route = grouped(AccessMiddleware(access: access)).on(method, url.pathComponents, body: body, use: handler)
        route.userInfo["access"] = access
        return route
    }
}

extension Route {
    public var access: RouteAccess? { userInfo["access"] as? RouteAccess }
}
