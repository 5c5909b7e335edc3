import Vapor

/// `GET /api/v1/openapi.json`: serves `OpenAPIDocument`, the description of every API route.
struct OpenAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .api(.openAPI), access: .anonymous) { req -> Response in
            let response = Response(status: .ok, body: .init(data: OpenAPIDocument.json))
            response.headers.contentType = .json
            return response
        }
    }
}
