import Foundation
import Vapor

/// One gateway record as a row of a table on the pages (the records list, the flagged records, a record's replays).
struct GatewayRecordListRow: Encodable {
    var id: Int
    var href: String
    var time: String
    var team: String
    var tester: String
    var method: String
    var url: String
    var status: String
    var denied: Bool
    var reason: String?
    var reasonCode: String?
    var alerts: [String]
    var bytes: String
    var duration: String
}

extension GatewayRecordListRow {
    /// The row of `r`, its time in `zone` (the campaign's).
    init(_ r: GatewayRecordDTO, _ req: Request, zone: TimeZone) {
        let f = DateFormatter()
        f.timeZone = zone
        f.dateFormat = "MM-dd HH:mm:ss"
        self.init(id: r.id, href: GatewayLinks.record(r.campaign, r.id), time: f.string(from: r.startedAt), team: r.team ?? "",
                  tester: r.tester ?? "", method: r.method ?? r.kind.uppercased(), url: String(r.url.prefix(160)),
                  status: r.status.map(String.init) ?? "", denied: r.decision == "denied",
                  reason: r.reason.map { Self.reasonName($0, req) }, reasonCode: r.reason,
                  alerts: r.alerts.map { req.t("gateway.alert.\($0)") },
                  bytes: "\(Self.byteText(r.bytesUp)) / \(Self.byteText(r.bytesDown))", duration: "\(r.durationMs) ms")
    }

    /// A refusal's name in the reader's language; the code itself when the tables have no name for it.
    static func reasonName(_ code: String, _ req: Request) -> String {
        let key = "gateway.reason.\(code)"
        let text = req.t(key)
        return text == key.replacingOccurrences(of: ".", with: "_") ? code : text
    }

    static func byteText(_ n: Int64) -> String {
        n < 10_000 ? "\(n) B" : n < 10_000_000 ? "\(n / 1024) KiB" : "\(n / 1_048_576) MiB"
    }
}
