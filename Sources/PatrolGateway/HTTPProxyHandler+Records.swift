import NIOCore
import PatrolCore
import PatrolStore

extension HTTPProxyHandler {
    func finish(_ exchange: Exchange) {
        var row = exchange.row
        if row.url.isEmpty { row.url = exchange.target.url }
        row.host = exchange.target.host
        row.port = exchange.target.port
        row.method = exchange.head.method.rawValue
        row.durationMs = Int((NIODeadline.now() - exchange.started).nanoseconds / 1_000_000)
        row.requestHeaders = exchange.head.headers.map { header in
            Self.asciiCaseInsensitiveEquals(header.name, "proxy-authorization")
                ? GatewayRecordRow.Header(header.name, "Basic (\(row.username ?? "?"):***)")
                : GatewayRecordRow.Header(header.name, header.value)
        }
        row.bytesUp = Int64(exchange.headerBytesUp + exchange.requestBody.total)
        row.bytesDown = Int64(exchange.headerBytesDown + exchange.responseBody.total)
        exchange.requestBody.store(in: &row.requestBody, size: &row.requestBodySize, truncated: &row.requestBodyTruncated)
        exchange.responseBody.store(in: &row.responseBody, size: &row.responseBodySize, truncated: &row.responseBodyTruncated)
        if let tls = upstream?.certificate.withLockedValue({ $0 }) { row.tls = tls }
        if row.decision == "allowed" {
            var text = Array(row.url.utf8)
            if let body = row.requestBody { text.append(0x0a); text.append(contentsOf: body) }
            for alert in DangerousPayload.scan(text).sorted(by: { $0.rawValue < $1.rawValue }) {
                row.alerts.append(alert.rawValue)
            }
        }
        gateway.record(row)
    }

    static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress else { return "?" }
        let port = address.port ?? 0
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
