import Vapor

/// Double-submit CSRF protection for every web form: a random `patrol_csrf` cookie (SameSite=Strict,
/// HttpOnly) whose value every form repeats in `_csrf`. A cross-site page can neither read the
/// cookie nor make the browser send it. The API takes bearer tokens only, so it is not exposed.
struct CSRFMiddleware: AsyncMiddleware {
    static let cookieName = "patrol_csrf"
    static let fieldName = "_csrf"
    let secureCookies: Bool
    /// Bodies of web forms are read here (to find the token), up to this size for file uploads
    /// and 1 MiB otherwise; larger ones are refused with 413 before any handler runs.
    var uploadMaxBytes: Int = 20 * 1024 * 1024

    struct Form: Decodable { var _csrf: String? }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.isAPI || request.url.path.hasPrefix("/css/") || request.url.path == "/healthz" {
            return try await next.respond(to: request)
        }
        let existing = request.cookies[Self.cookieName]?.string
        let token = existing.flatMap { $0.count >= 32 ? $0 : nil } ?? SessionToken.generate()
        request.storage[CSRFTokenKey.self] = token

        if ![.GET, .HEAD, .OPTIONS].contains(request.method) {
            let multipart = request.headers.contentType?.type == "multipart"
            _ = try await request.body.collect(max: multipart ? uploadMaxBytes + 64 * 1024 : 1 << 20).get()
            let sent = (try? request.content.decode(Form.self))?._csrf ?? request.headers.first(name: "X-CSRF-Token")
            guard let existing, let sent, SessionToken.constantTimeEqual(existing, sent) else {
                throw PatrolError.csrf
            }
        }
        let response = try await next.respond(to: request)
        if existing != token {
            response.cookies[Self.cookieName] = HTTPCookies.Value(
                string: token, path: "/", isSecure: secureCookies, isHTTPOnly: true, sameSite: .strict)
        }
        return response
    }
}

extension Request {
    var csrfToken: String { storage[CSRFTokenKey.self] ?? "" }
}
