import Foundation
import NIOCore
import NIOHTTP1
import PatrolStore

/// One request and its response as they pass, with what the record needs.
final class Exchange {
    let head: HTTPRequestHead
    let started = NIODeadline.now()
    var row: GatewayRecordRow
    var target = ProxyTarget(scheme: "http", host: "", port: 0, path: "/")
    var tester: GatewayDirectory.Tester?
    var buffered: [HTTPClientRequestPart] = []
    var requestEnded = false
    var responseStarted = false
    var upstreamKeepAlive = true
    let keepAlive: Bool
    var requestBody: BodyCapture
    var responseBody: BodyCapture
    let headerBytesUp: Int
    var headerBytesDown = 0

    init(head: HTTPRequestHead, client: String, startedAt: Date, cap: Int) {
        self.head = head
        self.keepAlive = head.isKeepAlive
        self.row = GatewayRecordRow(client: client, kind: "http", url: "", host: "", port: 0, startedAt: startedAt, decision: "denied")
        self.requestBody = BodyCapture(cap: cap)
        self.responseBody = BodyCapture(cap: cap)
        self.headerBytesUp = HTTPProxyHandler.requestHeadBytes(head)
    }

    func identify(_ tester: GatewayDirectory.Tester, kind: String) {
        self.tester = tester
        row.userID = tester.userID
        row.teamID = tester.teamID
        row.username = tester.username
        row.kind = kind
    }
}
