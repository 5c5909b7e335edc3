import Vapor

/// Turns every error into the answer its audience expects: JSON for the API, a page in the
/// reader's language for the web, a redirect to the login page when a page needs a login.
/// Internal errors are logged with their detail and shown without it.
struct PatrolErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            return await answer(error, to: request)
        }
    }

    private func answer(_ error: any Error, to request: Request) async -> Response {
        let problem: PatrolError
        switch error {
        case let e as PatrolError:
            problem = e
        case let e as DecodingError:
            problem = PatrolError(.unprocessableEntity, code: "invalid", key: "error.badRequest", detail: Self.describe(e))
        case let abort as any AbortError:
            let code = abort.status == .notFound ? "not_found" : abort.status.code < 500 ? "bad_request" : "internal"
            let key = abort.status == .notFound ? "error.notFound" : abort.status.code < 500 ? "error.badRequest" : "error.internal"
            problem = PatrolError(abort.status == .notFound ? .notFound : abort.status, code: code, key: key,
                                  detail: abort.status.code < 500 ? abort.reason : nil)
        default:
            request.logger.report(error: error)
            problem = PatrolError(.internalServerError, code: "internal", key: "error.internal")
        }
        if problem.status.code >= 500 { request.logger.error("\(request.method) \(request.url.path): \(String(reflecting: error))") }

        if request.isAPI {
            // The sentence is English; named values (a status) come in the reader's language, as the
            // pages show them.
            let message = problem.detail ?? request.application.localizer.text(problem.key, .en, problem.values.merging(
                problem.valueKeys.mapValues { request.t($0) }) { _, named in named })
            let body = ["error": ["code": problem.code, "message": message]]
            let response = Response(status: problem.status)
            try? response.content.encode(body, as: .json)
            if problem.status == .unauthorized { response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer") }
            return response
        }
        if problem.status == .unauthorized || problem == .passwordChangeRequired {
            let target = problem.status == .unauthorized ? SiteURL.login.path : SiteURL.password.path
            let next = request.url.path == "/" ? "" : "?next=" + (request.url.string.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            return request.redirect(to: target + (problem.status == .unauthorized ? next : ""))
        }
        do {
            let message = request.t(problem)
            let view = try await request.page("error", title: request.t("error.title"),
                                              content: ErrorPage(status: Int(problem.status.code), message: message, detail: problem.detail))
            let response = try await view.encodeResponse(for: request)
            response.status = problem.status
            return response
        } catch {
            return Response(status: problem.status, body: .init(string: request.t(problem.key)))
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing field \"\(key.stringValue)\""
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            "invalid field \"\(c.codingPath.map(\.stringValue).joined(separator: "."))\""
        @unknown default: "invalid request body"
        }
    }
}

struct ErrorPage: Encodable {
    var status: Int
    var message: String
    var detail: String?
}

extension PatrolError: Equatable {
    public static func == (a: PatrolError, b: PatrolError) -> Bool { a.code == b.code && a.status == b.status }
}
