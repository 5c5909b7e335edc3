import Foundation

/// The OpenAPI 3.1 description of every API route, served at `GET /api/v1/openapi.json`. Each area's
/// operations and schemas are written beside each other in `OpenAPIDocument+<Area>.swift`; this file
/// puts them together. A test checks that each registered `/api/v1` route appears here, so the
/// document cannot fall behind.
enum OpenAPIDocument {
    static let operations: [Operation] = accountsOperations + campaignsOperations + scoresOperations + findingsOperations + gatewayOperations + messagesOperations + [
        .init(method: "get", url: .api(.openAPI), summary: "This document", tag: "meta", auth: false),
    ]

    static var schemas: [String: Any] {
        var all: [String: Any] = [
            "Error": object(["error": object(["code": string, "message": string], required: ["code", "message"])], required: ["error"]),
        ]
        for part in [accountsSchemas, campaignsSchemas, scoresSchemas, findingsSchemas, gatewaySchemas, messagesSchemas] {
            all.merge(part) { _, _ in preconditionFailure("a schema is named in two areas") }
        }
        return all
    }

    /// A score: a string with exactly two decimals.
    static var score: [String: Any] { ["type": "string", "pattern": "^-?[0-9]+\\.[0-9]{2}$"] }

    static var string: [String: Any] { ["type": "string"] }
    static var boolean: [String: Any] { ["type": "boolean"] }
    static var integer: [String: Any] { ["type": "integer"] }
    static var dateTime: [String: Any] { ["type": "string", "format": "date-time"] }
    static func ref(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }

    /// One keyset page of a list (`APIPage`): its items, the next page's cursor and the total.
    static func page(of item: [String: Any]) -> [String: Any] {
        object(["items": ["type": "array", "items": item],
                "nextCursor": ["type": "string", "description": "pass as cursor for the next page; absent on the last"],
                "total": ["type": "integer"]], required: ["items", "total"])
    }

    /// How a list pages, for its summary.
    static let paged = "pages by limit (1–500, default 100) and cursor"
    static func object(_ properties: [String: Any], required: [String]) -> [String: Any] {
        ["type": "object", "properties": properties, "required": required]
    }

    static func errorResponse(_ description: String) -> [String: Any] {
        ["description": description, "content": ["application/json": ["schema": ref("Error")]]]
    }

    static var document: [String: Any] {
        var paths: [String: [String: Any]] = [:]
        for op in operations {
            var operation: [String: Any] = ["summary": op.summary, "tags": [op.tag],
                                            "operationId": op.method + op.path.replacingOccurrences(of: "/", with: "_")]
            let params = op.path.split(separator: "/").filter { $0.hasPrefix("{") }.map { p -> [String: Any] in
                ["name": String(p.dropFirst().dropLast()), "in": "path", "required": true, "schema": string]
            }
            if !params.isEmpty { operation["parameters"] = params }
            if let request = op.request {
                // A list to import is sent as the file itself, not wrapped in JSON.
                let types = request == "SheetFile"
                    ? ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"] : ["application/json"]
                operation["requestBody"] = ["required": true,
                                            "content": Dictionary(uniqueKeysWithValues: types.map { ($0, ["schema": ref(request)]) })]
            }
            var ok: [String: Any] = ["description": "OK"]
            if let response = op.response { ok["content"] = ["application/json": ["schema": ref(response)]] }
            var responses: [String: Any] = ["\(op.status)": ok, "422": errorResponse("Invalid input")]
            if op.auth {
                operation["security"] = [["bearer": [String]()]]
                responses["401"] = errorResponse("Not signed in")
                responses["403"] = errorResponse("Not allowed")
                responses["404"] = errorResponse("Not found, or none of the caller's business")
            }
            if op.request != nil { responses["409"] = errorResponse("Conflict") }
            operation["responses"] = responses
            paths[op.path, default: [:]][op.method] = operation
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": "Patrol API", "version": "1.0.0",
                     "description": "Cybersecurity inspection campaigns: units, assets, teams, findings, notices, scores."],
            "paths": paths,
            "components": ["schemas": schemas,
                           "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]]],
        ]
    }

    static let json: Data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted])) ?? Data()
}
