import Fluent
import Foundation
import PatrolGateway
import PatrolStore
import Vapor

/// A gateway record as the API and the export show it. Lists carry no headers or bodies; the
/// detail decompresses the bodies and gives them as UTF-8 text when they are, base64 otherwise.
struct GatewayRecordDTO: Content {
    struct Body: Content {
        var size: Int
        var truncated: Bool
        var encoding: String
        var data: String
    }

    var id: Int
    var campaign: String
    var team: String?
    var tester: String?
    var client: String
    var kind: String
    var method: String?
    var url: String
    var host: String
    var port: Int
    var address: String?
    var status: Int?
    var bytesUp: Int64
    var bytesDown: Int64
    var startedAt: Date
    var durationMs: Int
    var decision: String
    var reason: String?
    var alerts: [String]
    var tls: String?
    var replayOf: Int?
    var requestHeaders: [[String]]?
    var responseHeaders: [[String]]?
    var requestBody: Body?
    var responseBody: Body?

    /// The alert names a record can carry (gateway refusals, the payload scanner, a record stored
    /// without headers and bodies).
    static let alertNames = ["out_of_scope", "rate_limit", "destructiveSQL", "shellDeletion", "massDeletion", "denialOfService",
                             RecordBatcher.incompleteAlert]

    /// Adds the columns a list row shows (no headers, no bodies) to a query.
    static func selectListFields(_ q: QueryBuilder<GatewayRecord>) -> QueryBuilder<GatewayRecord> {
        q.field(\.$id).field(\.$campaign.$id).field(\.$team.$id).field(\.$user.$id).field(\.$username).field(\.$client)
            .field(\.$kind).field(\.$method).field(\.$url).field(\.$host).field(\.$port).field(\.$address).field(\.$status)
            .field(\.$bytesUp).field(\.$bytesDown).field(\.$startedAt).field(\.$durationMs).field(\.$decision)
            .field(\.$reason).field(\.$alerts).field(\.$tls).field(\.$replayOf)
    }

    init(_ r: GatewayRecord, campaign: String, teams: GatewayController.Teams, detail: Bool) {
        id = r.id ?? 0
        self.campaign = campaign
        team = r.$team.id.flatMap { teams.codes[$0] }
        tester = r.username
        client = r.client
        kind = r.kind
        method = r.method
        url = r.url
        host = r.host
        port = r.port
        address = r.address
        status = r.status
        bytesUp = r.bytesUp
        bytesDown = r.bytesDown
        startedAt = r.startedAt
        durationMs = r.durationMs
        decision = r.decision
        reason = r.reason
        alerts = r.alertList
        tls = r.tls
        replayOf = r.replayOf
        guard detail else { return }
        let headers = r.headerPairs
        requestHeaders = headers.request
        responseHeaders = headers.response
        requestBody = Self.body(r.requestBody, size: r.requestBodySize, truncated: r.requestBodyTruncated)
        responseBody = Self.body(r.responseBody, size: r.responseBodySize, truncated: r.responseBodyTruncated)
    }

    static func body(_ stored: Data?, size: Int, truncated: Bool) -> Body? {
        guard let stored, let data = try? RecordedBody.decompress(stored) else {
            return size > 0 ? Body(size: size, truncated: truncated, encoding: "none", data: "") : nil
        }
        if let text = String(data: data, encoding: .utf8), !text.contains("\u{0}") {
            return Body(size: size, truncated: truncated, encoding: "utf8", data: text)
        }
        return Body(size: size, truncated: truncated, encoding: "base64", data: data.base64EncodedString())
    }

    /// The exchange as plain text, for a finding's evidence.
    /// The exchange as a text file attached to a finding, which the unit's liaison reads: it names
    /// no team, tester or client address and drops the proxy credentials (units are not told which
    /// firm tested them, SPEC §4); the organiser finds those on record #id.
    var transcript: String {
        var lines: [String] = []
        let time = ISO8601DateFormatter().string(from: startedAt)
        lines.append("Patrol gateway record #\(id) — campaign \(campaign)")
        lines.append("time \(time), kind \(kind), decision \(decision)\(reason.map { " (\($0))" } ?? "")")
        lines.append("target \(host):\(port) at \(address ?? "-"), \(durationMs) ms, \(bytesUp) bytes up, \(bytesDown) bytes down")
        if !alerts.isEmpty { lines.append("alerts: \(alerts.joined(separator: ", "))") }
        if let tls { lines.append("upstream certificate: \(tls)") }
        if let replayOf { lines.append("replay of record #\(replayOf)") }
        lines.append("")
        lines.append("> \(method ?? "-") \(url)")
        for h in requestHeaders ?? [] where h.count == 2 && h[0].lowercased() != "proxy-authorization" {
            lines.append("> \(h[0]): \(h[1])")
        }
        lines.append(contentsOf: Self.bodyLines(requestBody, prefix: ">"))
        lines.append("")
        lines.append("< \(status.map(String.init) ?? "-")")
        for h in responseHeaders ?? [] where h.count == 2 { lines.append("< \(h[0]): \(h[1])") }
        lines.append(contentsOf: Self.bodyLines(responseBody, prefix: "<"))
        return lines.joined(separator: "\n") + "\n"
    }

    static func bodyLines(_ body: Body?, prefix: String) -> [String] {
        guard let body else { return [] }
        var lines = ["\(prefix)", "\(prefix) [body: \(body.size) bytes\(body.truncated ? ", truncated to the recording cap" : "")\(body.encoding == "base64" ? ", base64" : "")]"]
        lines.append(body.data)
        return lines
    }
}
