import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PatrolStore

extension HTTPProxyHandler {
    // MARK: Admitted

    func admitted(_ grant: Grant, context: ChannelHandlerContext) {
        guard let exchange else { return }
        if gateway.isPatrolItself(address: grant.address, port: exchange.target.port) {
            return refuse(.patrolItself, context: context, close: exchange.head.method == .CONNECT)
        }
        exchange.row.address = grant.address.description
        exchange.row.decision = "allowed"
        if exchange.head.method == .CONNECT && intercept == nil {
            return grant.intercept ? startInterception(grant, context: context) : openTunnel(grant, context: context)
        }
        phase = .waiting
        let tls = intercept != nil
        let key = Upstream.Key(address: grant.address, port: exchange.target.port, tls: tls, serverName: exchange.target.host)
        if let upstream, upstream.key == key, upstream.channel.isActive, upstream.reusable {
            forward(exchange, to: upstream)
            return
        }
        upstream?.channel.close(promise: nil)
        upstream = nil
        let certificate = NIOLockedValueBox<String?>(nil)
        let host = exchange.target.host
        let connectTimeout = gateway.view?.settings.connectTimeout ?? 10
        let bootstrap = ClientBootstrap(group: context.eventLoop)
            .connectTimeout(.milliseconds(Int64(connectTimeout * 1000)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try UpstreamTLS.addHTTPClientHandlers(to: sync, tls: tls, host: host, certificate: certificate,
                                                          forwardInformational: true)
                    try sync.addHandler(UpstreamHTTPHandler())
                }
            }
        let address: SocketAddress
        do { address = try grant.address.socketAddress(port: exchange.target.port) } catch {
            return upstreamError(exchange, reason: "upstream_error", context: context)
        }
        bootstrap.connect(to: address).assumeIsolated().whenComplete { [self] result in
            guard self.exchange === exchange else {
                if case .success(let channel) = result { channel.close(promise: nil) }
                return
            }
            switch result {
            case .success(let channel):
                guard let handler = try? channel.pipeline.syncOperations.handler(type: UpstreamHTTPHandler.self) else {
                    channel.close(promise: nil)
                    return self.upstreamError(exchange, reason: "upstream_error", context: context)
                }
                handler.client = self
                let link = Upstream(key: key, channel: channel, handler: handler, certificate: certificate)
                self.upstream = link
                self.forward(exchange, to: link)
            case .failure:
                self.upstreamError(exchange, reason: "upstream_unreachable", context: context)
            }
        }
    }

    /// Sends the request (head, then what was buffered) to the target.
    private func forward(_ exchange: Exchange, to upstream: Upstream) {
        phase = .forwarding
        upstream.reusable = false
        var head = exchange.head
        head.uri = exchange.target.path
        head.version = .http1_1
        Self.stripHopByHop(&head.headers)
        if !head.headers.contains(name: "host") {
            head.headers.add(name: "Host", value: exchange.target.hostForURL + (exchange.target.port == (intercept == nil ? 80 : 443) ? "" : ":\(exchange.target.port)"))
        }
        let buffered = exchange.buffered
        exchange.buffered = []
        upstream.handler.send(.head(head), flush: buffered.isEmpty && !exchange.requestEnded)
        for (i, part) in buffered.enumerated() {
            upstream.handler.send(part, flush: i == buffered.count - 1)
        }
        resumeClientReads()
    }

    // MARK: The target answers

    func upstreamRead(_ part: HTTPClientResponsePart, from handler: UpstreamHTTPHandler) {
        guard let context, let exchange, case .forwarding = phase, upstream?.handler === handler else { return }
        switch part {
        case .head(let head) where (100..<200).contains(head.status.code) && head.status != .switchingProtocols:
            // An interim answer (a 100 Continue the client may be waiting for before it sends its
            // body) goes straight on; the final head follows. HTTP/1.0 clients get none (RFC 9110 §15.2).
            guard exchange.head.version.major > 1 || exchange.head.version.minor >= 1 else { return }
            var interim = HTTPResponseHead(version: .http1_1, status: head.status)
            interim.headers = head.headers
            Self.stripHopByHop(&interim.headers)
            context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
        case .head(let head):
            exchange.row.status = Int(head.status.code)
            exchange.row.responseHeaders = head.headers.map { GatewayRecordRow.Header($0.name, $0.value) }
            exchange.responseStarted = true
            exchange.upstreamKeepAlive = head.isKeepAlive
            exchange.headerBytesDown = Self.responseHeadBytes(head.headers)
            var out = HTTPResponseHead(version: .http1_1, status: head.status)
            out.headers = head.headers
            Self.stripHopByHop(&out.headers)
            if !exchange.keepAlive { out.headers.replaceOrAdd(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(out)), promise: nil)
        case .body(let buffer):
            exchange.responseBody.add(buffer)
            // Flushed when the target's read is complete (or at the end): one write per read, not per part.
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        case .end(let trailers):
            let keepAlive = exchange.keepAlive && exchange.requestEnded
            if exchange.upstreamKeepAlive { upstream?.reusable = true } else {
                // Let go of the link before closing it: the close runs `upstreamClosed` at once,
                // which would otherwise take this complete answer for one cut short, record it a
                // second time and close the client before the answer's end was written.
                let finished = upstream
                upstream = nil
                finished?.channel.close(promise: nil)
            }
            finish(exchange)
            self.exchange = nil
            phase = .idle
            if keepAlive {
                context.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: nil)
            } else {
                context.writeAndFlush(wrapOutboundOut(.end(trailers))).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
            }
        }
    }

    func upstreamReadComplete(_ handler: UpstreamHTTPHandler) {
        guard upstream?.handler === handler, case .forwarding = phase else { return }
        context?.flush()
    }

    func upstreamClosed(_ handler: UpstreamHTTPHandler) {
        guard upstream?.handler === handler else { return }
        upstream = nil
        guard let context, let exchange, case .forwarding = phase else { return }
        if exchange.responseStarted {
            // The body was cut short: the client cannot be told otherwise than by closing.
            exchange.row.reason = exchange.row.reason ?? "upstream_closed"
            finish(exchange)
            self.exchange = nil
            context.close(promise: nil)
        } else {
            upstreamError(exchange, reason: exchange.row.reason ?? "upstream_closed", context: context)
        }
    }

    func upstreamFailed(_ handler: UpstreamHTTPHandler, error: any Error) {
        guard upstream?.handler === handler, let exchange else { return }
        exchange.row.reason = error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError
            ? "upstream_tls_error" : "upstream_error"
    }

    func upstreamWritabilityChanged(_ writable: Bool) {
        if writable { resumeClientReads() }
    }
}
