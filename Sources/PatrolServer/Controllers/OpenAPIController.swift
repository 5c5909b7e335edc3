import Vapor

/// `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of every API route. A test checks
/// that each registered `/api/v1` route appears here, so the document cannot fall behind.
struct OpenAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.endpoint(.GET, .api(.openAPI), access: .anonymous) { req -> Response in
            let response = Response(status: .ok, body: .init(data: OpenAPIDocument.json))
            response.headers.contentType = .json
            return response
        }
    }
}

enum OpenAPIDocument {
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

    static let operations: [Operation] = [
        .init(method: "post", url: .api(.login), summary: "Sign in; returns a bearer token", tag: "auth",
              request: "LoginRequest", response: "TokenResponse", auth: false),
        .init(method: "post", url: .api(.logout), summary: "End this token's session", tag: "auth", status: 204),
        .init(method: "get", url: .api(.me), summary: "The signed-in user", tag: "auth", response: "User"),
        .init(method: "post", url: .api(.password), summary: "Change one's own password", tag: "auth",
              request: "PasswordChange", status: 204),
        .init(method: "get", url: .api(.campaigns), summary: "List campaigns", tag: "campaigns", response: "CampaignList"),
        .init(method: "get", url: .api(.campaign(.key, .overview)), summary: "One campaign", tag: "campaigns", response: "Campaign"),
        .init(method: "get", url: .api(.campaign(.key, .units)),
              summary: "Participating units (liaisons: their own); filters category, group, q", tag: "units", response: "UnitList"),
        .init(method: "get", url: .api(.campaign(.key, .unit(.key, .page))), summary: "One unit; liaisons omitted for testers",
              tag: "units", response: "Unit"),
        .init(method: "get", url: .api(.campaign(.key, .assets)), summary: "Assets (liaisons: their unit's); filters q, unit, kind",
              tag: "assets", response: "AssetList"),
        .init(method: "post", url: .api(.campaign(.key, .assets)),
              summary: "Declare an asset (liaison of the unit before the campaign runs, or admin)", tag: "assets",
              request: "AssetCreate", response: "Asset", status: 201),
        .init(method: "get", url: .api(.campaign(.key, .asset(.key, .page))), summary: "One asset", tag: "assets", response: "Asset"),
        .init(method: "patch", url: .api(.campaign(.key, .asset(.key, .page))), summary: "Correct an asset", tag: "assets",
              request: "AssetUpdate", response: "Asset"),
        .init(method: "delete", url: .api(.campaign(.key, .asset(.key, .page))), summary: "Remove an asset", tag: "assets", status: 204),
        .init(method: "get", url: .api(.campaign(.key, .teams)), summary: "Testing teams of the campaign", tag: "teams",
              response: "TeamList"),
        .init(method: "get", url: .api(.users), summary: "List accounts (admin)", tag: "users", response: "UserList"),
        .init(method: "post", url: .api(.users), summary: "Create an account (admin); a generated password is returned once",
              tag: "users", request: "UserCreate", response: "UserCreated", status: 201),
        .init(method: "get", url: .api(.user(.key, .page)), summary: "One account (admin)", tag: "users", response: "User"),
        .init(method: "patch", url: .api(.user(.key, .page)), summary: "Disable or enable an account (admin)", tag: "users",
              request: "UserUpdate", response: "User"),
        .init(method: "post", url: .api(.user(.key, .password)),
              summary: "Reset to a generated password the user must change (admin)", tag: "users", response: "PasswordReset"),
        .init(method: "get", url: .api(.campaign(.key, .scores)),
              summary: "Scores of every unit, ranked (SPEC §5); liaisons: their own row once published; the published sheet once published",
              tag: "scores", response: "ScoreSheet"),
        .init(method: "get", url: .api(.campaign(.key, .unitScore(.key))),
              summary: "One unit's score with every deduction explained", tag: "scores", response: "UnitScoreResponse"),
        .init(method: "post", url: .api(.campaign(.key, .publishScores)),
              summary: "Publish and freeze the scores of a closed campaign (admin)", tag: "scores", response: "ScoreSheet"),
        .init(method: "get", url: .api(.campaign(.key, .scoringPolicy)), summary: "The campaign's scoring policy",
              tag: "scores", response: "ScoringPolicy"),
        .init(method: "put", url: .api(.campaign(.key, .scoringPolicy)),
              summary: "Replace the scoring policy (admin; not once published); every problem is named", tag: "scores",
              request: "ScoringPolicy", response: "ScoringPolicy"),
        .init(method: "post", url: .api(.campaign(.key, .findings)),
              summary: "Submit a finding (tester, own team, while the window is open)", tag: "findings",
              request: "FindingSubmit", response: "Finding", status: 201),
        .init(method: "get", url: .api(.campaign(.key, .findings)),
              summary: "Findings: testers their team's, liaisons their unit's once notified, reviewers and admins all; filters unit, team, status, severity",
              tag: "findings", response: "FindingList"),
        .init(method: "get", url: .api(.campaign(.key, .finding(.key, .page))), summary: "One finding with its remediation history",
              tag: "findings", response: "Finding"),
        .init(method: "patch", url: .api(.campaign(.key, .finding(.key, .page))),
              summary: "Edit and resubmit after a request for information (tester of the team)", tag: "findings",
              request: "FindingSubmit", response: "Finding"),
        .init(method: "post", url: .api(.campaign(.key, .finding(.key, .review))),
              summary: "verify | needInfo | reject | duplicate (reviewer, admin); 409 if someone decided first", tag: "findings",
              request: "Review", response: "Finding"),
        .init(method: "post", url: .api(.campaign(.key, .finding(.key, .remediations))),
              summary: "Remediation report (liaison of the unit); confirms uploaded shells were deleted", tag: "findings",
              request: "RemediationReport", response: "Finding", status: 201),
        .init(method: "post", url: .api(.campaign(.key, .finding(.key, .retests))),
              summary: "Retest the latest report: passed closes, failed returns it (SMS to the unit)", tag: "findings",
              request: "RetestDecision", response: "Finding", status: 201),
        .init(method: "post", url: .api(.campaign(.key, .finding(.key, .shellCheck))),
              summary: "Advice for the retest: is each uploaded shell gone (404/410/refused) or still there (2xx)?", tag: "findings",
              response: "ShellCheckList"),
        .init(method: "post", url: .api(.campaign(.key, .notices)),
              summary: "Issue a notice of verified findings to one unit (admin); SMS per liaison phone", tag: "notices",
              request: "NoticeCreate", response: "Notice", status: 201),
        .init(method: "get", url: .api(.campaign(.key, .notices)), summary: "Notices (liaisons: their unit's)",
              tag: "notices", response: "NoticeList"),
        .init(method: "post", url: .api(.campaign(.key, .finding(.key, .evidence))),
              summary: "Upload evidence or attachments (multipart, field files[] or file); kind decided by content; size-capped",
              tag: "findings", request: "EvidenceUpload", response: "EvidenceList", status: 201),
        .init(method: "get", url: .api(.campaign(.key, .finding(.key, .evidence))), summary: "A finding's files",
              tag: "findings", response: "EvidenceList"),
        .init(method: "get", url: .api(.campaign(.key, .finding(.key, .evidenceFile(.key)))),
              summary: "Download one file (always an attachment, nosniff, sandboxed)", tag: "findings"),
        .init(method: "get", url: .api(.campaign(.key, .gateway(.records))),
              summary: "Gateway records, newest first (testers: their team's); filters team, tester, host, status, decision (allowed|denied), alert (a name or any), from, to (RFC 3339 or yyyy-MM-ddTHH:mm in the campaign's zone), q (URL contains); page, per (≤500)",
              tag: "gateway", response: "GatewayRecordList"),
        .init(method: "get", url: .api(.campaign(.key, .gateway(.recordsExport))),
              summary: "Every matching record with headers and bodies as JSON lines (application/x-ndjson); same filters as the list",
              tag: "gateway"),
        .init(method: "get", url: .api(.campaign(.key, .gateway(.record(.key, .page)))),
              summary: "One record with headers and bodies (UTF-8 text, or base64)", tag: "gateway", response: "GatewayRecord"),
        .init(method: "post", url: .api(.campaign(.key, .gateway(.record(.key, .attach)))),
              summary: "Attach the record to a finding as a text transcript (evidence)", tag: "gateway",
              request: "GatewayAttach", response: "EvidenceList", status: 201),
        .init(method: "post", url: .api(.campaign(.key, .gateway(.record(.key, .replay)))),
              summary: "Send the recorded request again through the gateway's checks (reviewers); returns the new record; 409 when refused",
              tag: "gateway", response: "GatewayRecord", status: 201),
        .init(method: "get", url: .api(.campaign(.key, .gateway(.ca))),
              summary: "The campaign's interception CA certificate (PEM), created on first use", tag: "gateway"),
        .init(method: "patch", url: .api(.campaign(.key, .gateway(.page))), summary: "HTTPS interception for the whole campaign (admin)",
              tag: "gateway", request: "GatewayPatch", response: "GatewayState"),
        .init(method: "post", url: .api(.campaign(.key, .team(.key, .suspend))),
              summary: "Suspend a team: its requests are refused and its connections closed within a second (admin)", tag: "teams",
              response: "Team"),
        .init(method: "post", url: .api(.campaign(.key, .team(.key, .resume))), summary: "Resume a suspended team (admin)",
              tag: "teams", response: "Team"),
        .init(method: "patch", url: .api(.campaign(.key, .team(.key, .page))), summary: "Switch HTTPS interception for a team (admin)",
              tag: "teams", request: "TeamPatch", response: "Team"),
        .init(method: "post", url: .api(.gatewayToken),
              summary: "A new gateway token for the signed-in tester (shown once; the previous one stops working)", tag: "gateway",
              response: "GatewayToken"),
        .init(method: "get", url: .api(.sms), summary: "SMS outbox messages, newest first (admin)", tag: "sms", response: "SMSList"),
        .init(method: "get", url: .api(.openAPI), summary: "This document", tag: "meta", auth: false),
    ]

    static var schemas: [String: Any] { [
        "GatewayBody": object(["size": integer, "truncated": boolean, "encoding": ["type": "string", "enum": ["utf8", "base64", "none"]],
                               "data": string], required: ["size", "truncated", "encoding", "data"]),
        "GatewayRecord": object(["id": integer, "campaign": string, "team": string, "tester": string, "client": string,
                                 "kind": ["type": "string", "enum": ["http", "https", "tunnel", "socks", "replay"]],
                                 "method": string, "url": string, "host": string, "port": integer, "address": string, "status": integer,
                                 "bytesUp": integer, "bytesDown": integer, "startedAt": dateTime, "durationMs": integer,
                                 "decision": ["type": "string", "enum": ["allowed", "denied"]], "reason": string,
                                 "alerts": ["type": "array", "items": string], "tls": string, "replayOf": integer,
                                 "requestHeaders": ["type": "array", "items": ["type": "array", "items": string]],
                                 "responseHeaders": ["type": "array", "items": ["type": "array", "items": string]],
                                 "requestBody": ref("GatewayBody"), "responseBody": ref("GatewayBody")],
                                required: ["id", "campaign", "client", "kind", "url", "host", "port", "bytesUp", "bytesDown", "startedAt",
                                           "durationMs", "decision", "alerts"]),
        "GatewayRecordList": object(["records": ["type": "array", "items": ref("GatewayRecord")], "total": integer, "page": integer,
                                     "per": integer], required: ["records", "total", "page", "per"]),
        "GatewayAttach": object(["finding": string], required: ["finding"]),
        "GatewayPatch": object(["interceptAll": boolean], required: ["interceptAll"]),
        "GatewayState": object(["campaign": string, "interceptAll": boolean], required: ["campaign", "interceptAll"]),
        "TeamPatch": object(["interception": boolean], required: ["interception"]),
        "GatewayToken": object(["username": string, "token": string, "proxy": string], required: ["username", "token", "proxy"]),
        "Error": object(["error": object(["code": string, "message": string], required: ["code", "message"])], required: ["error"]),
        "LoginRequest": object(["username": string, "password": string], required: ["username", "password"]),
        "TokenResponse": object(["token": string, "user": ref("User")], required: ["token", "user"]),
        "PasswordChange": object(["currentPassword": string, "newPassword": string], required: ["currentPassword", "newPassword"]),
        "User": object(["id": string, "username": string, "displayName": string,
                        "role": ["type": "string", "enum": ["admin", "reviewer", "tester", "liaison", "observer"]],
                        "unit": string, "team": string, "phone": string, "disabled": boolean, "mustChangePassword": boolean,
                        "lockedUntil": dateTime, "lastLoginAt": dateTime],
                       required: ["id", "username", "displayName", "role", "disabled", "mustChangePassword"]),
        "UserList": ["type": "array", "items": ref("User")],
        "UserCreate": object(["username": string, "displayName": string, "role": string, "unit": string, "team": string,
                              "phone": string, "password": string], required: ["username", "role"]),
        "UserCreated": object(["user": ref("User"), "password": string], required: ["user"]),
        "UserUpdate": object(["disabled": boolean], required: []),
        "PasswordReset": object(["password": string], required: ["password"]),
        "Campaign": object(["code": string, "name": string, "timeZone": string, "startsAt": dateTime, "endsAt": dateTime,
                            "scoredAt": dateTime, "state": ["type": "string", "enum": ["draft", "running", "closed", "published"]],
                            "demo": boolean], required: ["code", "name", "timeZone", "startsAt", "endsAt", "state", "demo"]),
        "CampaignList": ["type": "array", "items": ref("Campaign")],
        "Unit": object(["code": string, "name": string, "category": string,
                        "group": ["type": "string", "enum": ["district", "regulator", "department"]],
                        "parent": string, "note": string, "assets": integer,
                        "liaisons": ["type": "array", "items": object(["name": string, "phone": string], required: ["name", "phone"])]],
                       required: ["code", "name", "category", "group", "assets"]),
        "UnitList": ["type": "array", "items": ref("Unit")],
        "Asset": object(["code": string, "unit": string,
                         "kind": ["type": "string", "enum": ["website", "domain", "ip", "cidr", "cloud", "app", "other"]],
                         "target": string, "ports": string, "origin": ["type": "string", "enum": ["declared", "discovered"]],
                         "note": string], required: ["code", "unit", "kind", "target", "origin"]),
        "AssetList": ["type": "array", "items": ref("Asset")],
        "AssetCreate": object(["unit": string, "kind": string, "target": string, "ports": string, "origin": string, "note": string],
                              required: ["unit", "kind", "target"]),
        "AssetUpdate": object(["kind": string, "target": string, "ports": string, "origin": string, "note": string], required: []),
        "Team": object(["code": string, "name": string, "company": string, "state": ["type": "string", "enum": ["active", "suspended"]],
                        "interception": boolean], required: ["code", "name", "state", "interception"]),
        "TeamList": ["type": "array", "items": ref("Team")],
        "ScoreLine": object(["finding": string, "part": ["type": "string", "enum": ["asset", "vulnerability", "protection", "data", "remediation"]],
                             "rule": string, "points": score, "elapsedSeconds": integer, "awaitingRetest": boolean],
                            required: ["finding", "part", "rule", "points"]),
        "UnitScore": object(["unit": string, "name": string, "group": ["type": "string", "enum": ["district", "regulator", "department"]],
                             "assets": integer, "points": integer, "asset": score, "vulnerability": score, "protection": score,
                             "data": score, "remediation": score, "total": score, "rank": integer, "groupRank": integer,
                             "pending": integer, "formula": string, "deductions": ["type": "array", "items": ref("ScoreLine")]],
                            required: ["unit", "name", "group", "assets", "points", "asset", "vulnerability", "protection", "data",
                                       "remediation", "total", "rank", "groupRank", "formula", "deductions"]),
        "ScoreSheet": object(["campaign": string, "scoredAt": dateTime, "published": boolean, "publishedAt": dateTime,
                              "units": ["type": "array", "items": ref("UnitScore")]],
                             required: ["campaign", "scoredAt", "published", "units"]),
        "UnitScoreResponse": object(["campaign": string, "scoredAt": dateTime, "published": boolean, "publishedAt": dateTime,
                                     "score": ref("UnitScore")], required: ["campaign", "scoredAt", "published", "score"]),
        "ScoringPolicy": object(["assetMax": integer, "assetPerDiscrepancy": integer, "vulnerabilityMax": integer,
                                 "severityPoints": object(["critical": integer, "high": integer, "medium": integer, "low": integer],
                                                          required: ["critical", "high", "medium", "low"]),
                                 "protectionMax": integer, "protectionPerItem": integer, "dataMax": integer, "dataPerItem": integer,
                                 "sensitiveRecordsThreshold": integer,
                                 "remediationBrackets": ["type": "array", "items": object(["withinHours": integer, "points": integer],
                                                                                          required: ["withinHours", "points"])],
                                 "remediationLatePoints": integer, "unfixedAfterHours": integer, "unfixedPoints": integer],
                                required: ["assetMax", "assetPerDiscrepancy", "vulnerabilityMax", "severityPoints", "protectionMax",
                                           "protectionPerItem", "dataMax", "dataPerItem", "sensitiveRecordsThreshold",
                                           "remediationBrackets", "remediationLatePoints", "unfixedAfterHours", "unfixedPoints"]),
        "FindingSubmit": object(["unit": string, "asset": string,
                                 "kind": ["type": "string", "enum": ["vulnerability", "intrusion", "assetDiscrepancy"]],
                                 "severity": ["type": "string", "enum": ["critical", "high", "medium", "low"]],
                                 "type": string, "title": string, "description": string, "reproduction": string, "url": string,
                                 "weakPassword": boolean, "sensitiveRecords": integer,
                                 "shellPaths": ["type": "array", "items": string]],
                                required: ["unit", "kind", "title"]),
        "Finding": object(["code": string, "unit": string, "asset": string, "team": string, "kind": string, "severity": string,
                           "type": string, "title": string, "description": string, "reproduction": string, "url": string,
                           "weakPassword": boolean, "sensitiveRecords": integer, "shellPaths": ["type": "array", "items": string],
                           "status": ["type": "string", "enum": ["submitted", "verified", "notified", "remediated", "closed", "rejected", "duplicate"]],
                           "infoRequest": string, "reviewNote": string, "duplicateOf": string, "notice": string,
                           "submittedAt": dateTime, "verifiedAt": dateTime, "notifiedAt": dateTime, "closedAt": dateTime,
                           "remediations": ["type": "array", "items": object(["submittedAt": dateTime, "summary": string,
                                                                               "shellsRemoved": ["type": "array", "items": string],
                                                                               "retest": string, "retestNote": string, "retestedAt": dateTime],
                                                                              required: ["submittedAt", "shellsRemoved"])]],
                          required: ["code", "unit", "kind", "title", "status", "weakPassword", "sensitiveRecords", "shellPaths", "submittedAt"]),
        "FindingList": ["type": "array", "items": ref("Finding")],
        "ShellCheckList": ["type": "array", "items": object(["path": string, "url": string,
                                                             "verdict": ["type": "string", "enum": ["gone", "present", "unknown"]],
                                                             "detail": string], required: ["path", "verdict", "detail"])],
        "EvidenceUpload": object(["files": ["type": "array", "items": ["type": "string", "format": "binary"]]], required: ["files"]),
        "EvidenceList": ["type": "array", "items": object(["id": string, "name": string, "size": integer, "contentType": string,
                                                            "sha256": string, "uploadedAt": dateTime, "image": boolean],
                                                           required: ["id", "name", "size", "contentType", "sha256", "image"])],
        "Review": object(["decision": ["type": "string", "enum": ["verify", "needInfo", "reject", "duplicate"]], "severity": string,
                          "weakPassword": boolean, "sensitiveRecords": integer, "duplicateOf": string, "note": string],
                         required: ["decision"]),
        "RemediationReport": object(["summary": string, "shellsRemoved": boolean], required: ["summary"]),
        "RetestDecision": object(["result": ["type": "string", "enum": ["passed", "failed"]], "note": string], required: ["result"]),
        "NoticeCreate": object(["unit": string, "findings": ["type": "array", "items": string]], required: ["unit", "findings"]),
        "Notice": object(["code": string, "unit": string, "issuedAt": dateTime, "findings": ["type": "array", "items": string]],
                         required: ["code", "unit", "issuedAt", "findings"]),
        "NoticeList": ["type": "array", "items": ref("Notice")],
        "SMSList": ["type": "array", "items": object(["id": string, "event": string, "phone": string, "text": string,
                                                       "status": ["type": "string", "enum": ["pending", "sending", "sent", "failed"]],
                                                       "attempts": integer, "createdAt": dateTime, "sentAt": dateTime, "lastError": string],
                                                      required: ["event", "phone", "text", "status", "attempts", "createdAt"])],
    ] }

    /// A score: a string with exactly two decimals.
    static var score: [String: Any] { ["type": "string", "pattern": "^-?[0-9]+\\.[0-9]{2}$"] }

    static var string: [String: Any] { ["type": "string"] }
    static var boolean: [String: Any] { ["type": "boolean"] }
    static var integer: [String: Any] { ["type": "integer"] }
    static var dateTime: [String: Any] { ["type": "string", "format": "date-time"] }
    static func ref(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }
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
                operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": ref(request)]]]
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
