/// One operation of the API description: a route with its summary, body and answer schemas.
extension OpenAPIDocument {
    struct Operation {
        var method: String
        /// The route, from `SiteURL`; the document's path is its `openAPIPath`.
        var url: SiteURL
        var path: String { url.openAPIPath }
        var summary: String
        var tag: String
        var request: String?
        var response: String?
        var status: Int = 200
        var auth = true
    }
}
