import Foundation
import Vapor

/// One record's request and response as the record page shows them: headers, and bodies cut to
/// what a page can hold, each with a note on its size and form.
struct GatewayExchange: Encodable {
    struct Header: Encodable { var name, value: String }
    struct BodyView: Encodable {
        var text: String
        var note: String
    }

    var id: Int
    var href: String
    var time: String
    var status: String
    var requestHeaders: [Header]
    var responseHeaders: [Header]
    var requestBody: BodyView?
    var responseBody: BodyView?
}

extension GatewayExchange {
    /// The exchange of `r` (a detail DTO), its time in `zone` (the campaign's).
    init(_ r: GatewayRecordDTO, _ req: Request, zone: TimeZone) {
        let f = DateFormatter()
        f.timeZone = zone
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        func view(_ b: GatewayRecordDTO.Body?) -> BodyView? {
            guard let b else { return nil }
            var note = req.t("gateway.record.bodySize", ["n": String(b.size)])
            if b.truncated { note += " · " + req.t("gateway.record.truncated") }
            if b.encoding == "base64" { note += " · " + req.t("gateway.record.binary") }
            let shown = b.encoding == "base64" ? String(b.data.prefix(4096)) : String(b.data.prefix(65_536))
            return BodyView(text: shown, note: note)
        }
        self.init(id: r.id, href: GatewayLinks.record(r.campaign, r.id), time: f.string(from: r.startedAt),
                  status: r.status.map(String.init) ?? "—",
                  requestHeaders: Self.headers(r.requestHeaders), responseHeaders: Self.headers(r.responseHeaders),
                  requestBody: view(r.requestBody), responseBody: view(r.responseBody))
    }

    static func headers(_ pairs: [[String]]?) -> [Header] {
        (pairs ?? []).compactMap { $0.count == 2 ? Header(name: $0[0], value: $0[1]) : nil }
    }
}
