import Vapor

/// Headers every response carries: a CSP with no inline script, no framing, no sniffing.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
    ].joined(separator: "; ")

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        var headers = response.headers
        // A response may bring a stricter policy of its own (downloads are sandboxed).
        if !headers.contains(name: "Content-Security-Policy") {
            headers.replaceOrAdd(name: "Content-Security-Policy", value: Self.contentSecurityPolicy)
        }
        headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        if !request.url.path.hasPrefix("/css/") && !request.url.path.hasPrefix("/js/") {
            headers.replaceOrAdd(name: "Cache-Control", value: "no-store")
        }
        response.headers = headers
        return response
    }
}
