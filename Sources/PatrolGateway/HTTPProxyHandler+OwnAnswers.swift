import NIOCore
import NIOHTTP1

extension HTTPProxyHandler {
    /// A 502 for a target that could not be reached or closed before answering; recorded as allowed.
    func upstreamError(_ exchange: Exchange, reason: String, context: ChannelHandlerContext) {
        exchange.row.reason = exchange.row.reason ?? reason
        exchange.row.status = 502
        let text = "目标无法连接或未应答。 / The target could not be reached or did not answer (\(reason)).\n"
        // Recorded before the answer goes out, so no client sees an answer whose record is not queued.
        finish(exchange)
        respond(status: .badGateway, text: text, extra: [("X-Patrol-Error", reason)], context: context,
                close: exchange.head.method == .CONNECT || !exchange.keepAlive)
        afterOwnResponse(exchange, context: context)
    }

    /// Refuses the request with the reason in the body (SPEC §6) and records it as denied.
    func refuse(_ refusal: Refusal, context: ChannelHandlerContext, close: Bool) {
        guard let exchange else { return }
        exchange.row.decision = "denied"
        exchange.row.reason = refusal.rawValue
        exchange.row.status = refusal.status
        if let alert = refusal.alert { exchange.row.alerts.append(alert) }
        var extra = [("X-Patrol-Refusal", refusal.rawValue)]
        if refusal.status == 407 { extra.append(("Proxy-Authenticate", "Basic realm=\"Patrol\", charset=\"UTF-8\"")) }
        let status = HTTPResponseStatus(statusCode: refusal.status)
        finish(exchange)
        respond(status: status, text: refusal.message + "\n", extra: extra, context: context, close: close || !exchange.keepAlive)
        afterOwnResponse(exchange, context: context)
    }

    private func afterOwnResponse(_ exchange: Exchange, context: ChannelHandlerContext) {
        if exchange.requestEnded {
            self.exchange = nil
            phase = .idle
        } else {
            phase = .draining
        }
        resumeClientReads()
    }

    func finishDraining(context: ChannelHandlerContext) {
        exchange = nil
        phase = .idle
    }

    private func respond(status: HTTPResponseStatus, text: String, extra: [(String, String)], context: ChannelHandlerContext, close: Bool) {
        var head = HTTPResponseHead(version: .http1_1, status: status)
        let body = context.channel.allocator.buffer(string: text)
        head.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        head.headers.add(name: "Content-Length", value: "\(body.readableBytes)")
        head.headers.add(name: "Connection", value: close ? "close" : "keep-alive")
        for (name, value) in extra { head.headers.add(name: name, value: value) }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if close { done.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }
}
