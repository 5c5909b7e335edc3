import NIOCore
import NIOHTTP1
import NIOSSL

extension HTTPProxyHandler {
    /// A plain tunnel: connect to the checked address, answer 200, then glue bytes both ways.
    func openTunnel(_ grant: Grant, context: ChannelHandlerContext) {
        guard let exchange else { return }
        phase = .waiting
        var row = exchange.row
        row.url = "\(exchange.target.hostForURL):\(exchange.target.port)"
        row.method = "CONNECT"
        row.requestHeaders = nil
        let meter = TunnelMeter(gateway: gateway, row: row)
        let tester = exchange.tester
        Tunnel.connect(to: grant.address, port: exchange.target.port, meter: meter, on: context.eventLoop,
                       timeout: gateway.view?.settings.connectTimeout ?? 10) { [self] result in
            guard let context = self.context else {
                if case .success(let glue) = result { glue.closePartner() }
                return
            }
            switch result {
            case .success(let glue):
                if let tester {
                    self.gateway.registry.register(.init(channel: context.channel, userID: tester.userID, teamID: tester.teamID,
                                                         campaignID: grant.campaignID))
                }
                self.handOver(context: context) { sync in try sync.addHandler(glue) }
            case .failure:
                self.upstreamError(exchange, reason: "upstream_unreachable", context: context)
            }
        }
    }

    /// Interception: answer 200, then speak TLS to the client with a leaf for the target signed by
    /// the campaign's CA, and handle the decrypted requests in a fresh handler bound to this target.
    func startInterception(_ grant: Grant, context: ChannelHandlerContext) {
        guard let exchange, let tester = exchange.tester else { return }
        let tls: NIOSSLContext
        do {
            tls = try gateway.authority(campaign: grant.campaignCode).serverContext(for: exchange.target.host)
        } catch {
            gateway.logger.error("gateway CA for \(grant.campaignCode): \(String(describing: error))")
            return upstreamError(exchange, reason: "interception_unavailable", context: context)
        }
        gateway.registry.register(.init(channel: context.channel, userID: tester.userID, teamID: tester.teamID, campaignID: grant.campaignID))
        let target = InterceptedTarget(host: exchange.target.host, port: exchange.target.port, grant: grant, tester: tester)
        let gateway = self.gateway
        handOver(context: context) { sync in
            try sync.addHandler(NIOSSLServerHandler(context: tls))
            try HTTPProxyHandler.install(on: sync, handler: HTTPProxyHandler(gateway: gateway, intercept: target))
        }
    }

    /// Leaves HTTP: removes the HTTP handlers and this one, answers 200 in raw bytes, adds what
    /// follows, and only then removes the decoder, so bytes the client sent early reach the new handlers.
    func handOver(context: ChannelHandlerContext, install: @escaping (ChannelPipeline.SynchronousOperations) throws -> Void) {
        if let exchange, !exchange.requestEnded {
            pendingHandOver = install
            return
        }
        phase = .handedOver
        exchange = nil
        let channel = context.channel
        let sync = channel.pipeline.syncOperations
        do {
            let pipelining = try sync.handler(type: RequestSequencer.self)
            let encoder = try sync.handler(type: HTTPResponseEncoder.self)
            let decoder = try sync.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            let protocolErrors = try sync.handler(type: HTTPServerProtocolErrorHandler.self)
            sync.removeHandler(protocolErrors, promise: nil)
            sync.removeHandler(pipelining, promise: nil)
            sync.removeHandler(encoder, promise: nil)
            sync.removeHandler(context: context, promise: nil)
            channel.writeAndFlush(channel.allocator.buffer(string: "HTTP/1.1 200 Connection Established\r\n\r\n"), promise: nil)
            try install(sync)
            sync.removeHandler(decoder, promise: nil)
            if readPending {
                readPending = false
                channel.read()
            }
        } catch {
            channel.close(promise: nil)
        }
    }
}
