import Vapor

/// Double-submit CSRF protection for every web form: a random `patrol_csrf` cookie (SameSite=Strict,
/// HttpOnly) whose value every form repeats in `_csrf`. A cross-site page can neither read the
/// cookie nor make the browser send it. The API takes bearer tokens only, so it is not exposed.
struct CSRFMiddleware: AsyncMiddleware {
    static let cookieName = "patrol_csrf"
    static let fieldName = "_csrf"
    let secureCookies: Bool
    /// Bodies of web forms are read here (to find the token), up to this size for a signed-in
    /// user's file upload and `formMaxBytes` otherwise; larger ones are refused with 413 before any
    /// handler runs.
    var uploadMaxBytes: Int = 20 * 1024 * 1024
    /// What a form without a session may send (the sign-in form is a few hundred bytes). Vapor
    /// streams a body with back-pressure until someone collects it, so this is also the most a
    /// stranger can make the server hold before the token is checked.
    static let formMaxBytes = 1 << 20

    struct Form: Decodable { var _csrf: String? }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.isAPI || request.url.path.hasPrefix("/css/") || request.url.path == "/healthz" {
            return try await next.respond(to: request)
        }
        let existing = request.cookies[Self.cookieName]?.string
        let token = existing.flatMap { $0.count >= 32 ? $0 : nil } ?? SessionToken.generate()
        request.storage[CSRFTokenKey.self] = token

        if ![.GET, .HEAD, .OPTIONS].contains(request.method) {
            let upload = request.headers.contentType?.type == "multipart" && request.currentUser != nil
            let max = upload ? uploadMaxBytes + 64 * 1024 : Self.formMaxBytes
            // A declared length over the cap is refused before a byte of the body is read.
            if let declared = request.headers.first(name: .contentLength).flatMap(Int.init), declared > max {
                throw Self.tooLarge(max)
            }
            do {
                _ = try await request.body.collect(max: max).get()
            } catch let abort as Abort where abort.status == .payloadTooLarge {
                throw Self.tooLarge(max)
            }
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

extension CSRFMiddleware {
    static func tooLarge(_ max: Int) -> PatrolError {
        PatrolError(.payloadTooLarge, code: "too_large", key: "error.bodyTooLarge", values: ["mb": "\(max >> 20)"])
    }
}

extension Request {
    var csrfToken: String { storage[CSRFTokenKey.self] ?? "" }
}
