import Foundation

/// The part of the API description for the testing gateway: its records, CA, interception and testers' tokens.
extension OpenAPIDocument {
    static let gatewayOperations: [Operation] = [
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
        .init(method: "post", url: .api(.gatewayToken),
              summary: "A new gateway token for the signed-in tester (shown once; the previous one stops working)", tag: "gateway",
              response: "GatewayToken"),
    ]

    static var gatewaySchemas: [String: Any] { [
        "GatewayBody": object(["size": integer, "truncated": boolean, "encoding": ["type": "string", "enum": ["utf8", "base64", "none"]],
                               "data": string], required: ["size", "truncated", "encoding", "data"]),
        "GatewayRecord": object(["id": integer, "campaign": string, "team": string, "tester": string, "client": string,
                                 "kind": ["type": "string", "enum": ["http", "https", "tunnel", "socks", "replay", "shellcheck"]],
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
        "GatewayToken": object(["username": string, "token": string, "proxy": string], required: ["username", "token", "proxy"]),
    ] }
}
