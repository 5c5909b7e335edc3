import Foundation
import NIOCore
import NIOSOCKS
import PatrolCore
import PatrolStore

/// SOCKS5 (RFC 1928) with username/password authentication (RFC 1929): the username is the
/// tester's, the password their gateway token. Only CONNECT is offered; an admitted target becomes a
/// tunnel to the checked address. NIOSOCKS parses the greeting and request; the RFC 1929 exchange,
/// which it passes through as raw bytes, is parsed here.
final class SOCKS5Handler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ClientMessage
    typealias OutboundOut = ServerMessage

    fileprivate enum State {
        case greeting, authenticating, awaitingRequest, connecting, handedOver, refused
    }

    let gateway: Gateway
    private var state = State.greeting
    private var credentials = ByteBuffer()
    private var tester: GatewayDirectory.Tester?
    private var username: String?
    private var client = ""
    private var context: ChannelHandlerContext?

    init(gateway: Gateway) { self.gateway = gateway }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        client = HTTPProxyHandler.describe(context.channel.remoteAddress)
    }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Leaves the pipeline as the connection closes: the handshake handler in front hands its
    /// leftover raw bytes onward when it is removed, and they are not a `ClientMessage`.
    func channelInactive(context: ChannelHandlerContext) {
        context.fireChannelInactive()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.greeting(let greeting), .greeting):
            if greeting.methods.contains(.usernamePassword) {
                state = .authenticating
                context.writeAndFlush(wrapOutboundOut(.selectedAuthenticationMethod(.init(method: .usernamePassword))), promise: nil)
            } else {
                record(refusal: .authenticationRequired, host: "", port: 0)
                state = .refused
                context.writeAndFlush(wrapOutboundOut(.selectedAuthenticationMethod(.init(method: .noneAcceptable))))
                    .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            }
        case (.authenticationData(var bytes), .authenticating):
            credentials.writeBuffer(&bytes)
            guard let (name, token) = Self.parseCredentials(&credentials) else { return }
            username = name
            let ok = gateway.view?.authenticate(username: name, token: token)
            var reply = context.channel.allocator.buffer(capacity: 2)
            reply.writeBytes([0x01, ok == nil ? 0x01 : 0x00])
            if let ok {
                tester = ok
                state = .awaitingRequest
                gateway.registry.register(.init(channel: context.channel, userID: ok.userID, teamID: ok.teamID, campaignID: nil))
                context.writeAndFlush(wrapOutboundOut(.authenticationData(reply, complete: true)), promise: nil)
            } else {
                record(refusal: .badCredentials, host: "", port: 0)
                state = .refused
                context.writeAndFlush(wrapOutboundOut(.authenticationData(reply, complete: true)))
                    .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            }
        case (.request(let request), .awaitingRequest):
            handle(request, context: context)
        default:
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// RFC 1929: VER=1, ULEN, UNAME, PLEN, PASSWD; nil until the whole message is here.
    static func parseCredentials(_ buffer: inout ByteBuffer) -> (String, String)? {
        var copy = buffer
        guard let version = copy.readInteger(as: UInt8.self), version == 1,
              let ulen = copy.readInteger(as: UInt8.self), let name = copy.readString(length: Int(ulen)),
              let plen = copy.readInteger(as: UInt8.self), let password = copy.readString(length: Int(plen)) else { return nil }
        buffer = copy
        return (name, password)
    }

    private func handle(_ request: SOCKSRequest, context: ChannelHandlerContext) {
        guard let tester, let view = gateway.view else { return context.close(promise: nil) }
        let host: String, port: Int
        switch request.addressType {
        case .address(let address):
            host = address.ipAddress ?? ""
            port = address.port ?? 0
        case .domain(let name, let p):
            host = name.lowercased()
            port = p
        }
        guard HostName.isValid(host) else {
            return refuse(.badName, host: host, port: port, reply: .notAllowed, context: context)
        }
        guard request.command == .connect else {
            return refuse(.unsupported, host: host, port: port, reply: .init(value: 0x07), context: context)
        }
        let now = Date()
        let open: [GatewayView.CampaignScope]
        switch view.openCampaigns(team: tester.teamID, at: now) {
        case .failure(let refusal): return refuse(refusal, host: host, port: port, reply: .notAllowed, context: context)
        case .success(let campaigns): open = campaigns
        }
        guard gateway.takeToken(team: tester.teamID, settings: view.settings) else {
            return refuse(.rateLimited, host: host, port: port, reply: .notAllowed, campaign: open.first?.entry.id, context: context)
        }
        state = .connecting
        let decide: ([IPAddress]) -> Void = { [self] resolved in
            guard let context = self.context else { return }
            switch view.decide(team: tester.teamID, host: host, port: port, resolved: resolved, in: open) {
            case .failure(let refusal):
                self.refuse(refusal, host: host, port: port, reply: refusal == .unresolved ? .hostUnreachable : .notAllowed,
                            campaign: open.first?.entry.id, context: context)
            case .success(let grant) where self.gateway.isPatrolItself(address: grant.address, port: port):
                self.refuse(.patrolItself, host: host, port: port, reply: .notAllowed, campaign: grant.campaignID, context: context)
            case .success(let grant):
                self.connect(grant, host: host, port: port, tester: tester, context: context)
            }
        }
        if let literal = Scope.isLiteral(host) {
            decide([literal])
        } else if GatewayView.needsResolution(host: host, port: port, in: open) {
            gateway.resolver.resolve(host: host, eventLoop: context.eventLoop).assumeIsolated().whenComplete { result in
                decide((try? result.get()) ?? [])
            }
        } else {
            decide([])
        }
    }

    private func connect(_ grant: Grant, host: String, port: Int, tester: GatewayDirectory.Tester, context: ChannelHandlerContext) {
        var row = baseRow(host: host, port: port, decision: "allowed")
        row.campaignID = grant.campaignID
        row.address = grant.address.description
        let meter = TunnelMeter(gateway: gateway, row: row)
        Tunnel.connect(to: grant.address, port: port, meter: meter, on: context.eventLoop,
                       timeout: gateway.view?.settings.connectTimeout ?? 10) { [self] result in
            guard let context = self.context else {
                if case .success(let glue) = result { glue.closePartner() }
                return
            }
            switch result {
            case .failure:
                var failed = row
                failed.reason = "upstream_unreachable"
                self.gateway.record(failed)
                self.reply(.hostUnreachable, context: context, close: true)
            case .success(let glue):
                self.gateway.registry.register(.init(channel: context.channel, userID: tester.userID, teamID: tester.teamID,
                                                     campaignID: grant.campaignID))
                self.state = .handedOver
                self.reply(.succeeded, context: context, close: false)
                let sync = context.pipeline.syncOperations
                do {
                    let handshake = try sync.handler(type: SOCKSServerHandshakeHandler.self)
                    sync.removeHandler(context: context, promise: nil)
                    try sync.addHandler(glue)
                    sync.removeHandler(handshake, promise: nil)
                } catch {
                    context.close(promise: nil)
                }
            }
        }
    }

    private func reply(_ code: SOCKSServerReply, context: ChannelHandlerContext, close: Bool) {
        let bound = SOCKSAddress.address(context.channel.localAddress ?? (try! SocketAddress(ipAddress: "0.0.0.0", port: 0)))
        let done = context.writeAndFlush(wrapOutboundOut(.response(SOCKSResponse(reply: code, boundAddress: bound))))
        if close { done.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }

    /// `campaign`: the open campaign the request was being decided in, once there is one (as on the HTTP side).
    private func refuse(_ refusal: Refusal, host: String, port: Int, reply code: SOCKSServerReply, campaign: UUID? = nil,
                        context: ChannelHandlerContext) {
        state = .refused
        record(refusal: refusal, host: host, port: port, campaign: campaign)
        reply(code, context: context, close: true)
    }

    private func baseRow(host: String, port: Int, decision: String) -> GatewayRecordRow {
        let hostForURL = host.contains(":") ? "[\(host)]" : host
        var row = GatewayRecordRow(client: client, kind: "socks", url: "\(hostForURL):\(port)", host: host, port: port,
                                   startedAt: Date(), decision: decision)
        row.method = "CONNECT"
        row.username = tester?.username ?? username
        row.userID = tester?.userID
        row.teamID = tester?.teamID
        return row
    }

    private func record(refusal: Refusal, host: String, port: Int, campaign: UUID? = nil) {
        var row = baseRow(host: host, port: port, decision: "denied")
        row.reason = refusal.rawValue
        if let alert = refusal.alert { row.alerts.append(alert) }
        // A known tester's name with a wrong token is filed under their team, as on the HTTP side.
        if let team = tester?.teamID ?? username.flatMap({ gateway.view?.testers[$0]?.teamID }) {
            row.teamID = team
            row.campaignID = campaign ?? gateway.view?.filingCampaign(team: team, at: row.startedAt)
        }
        gateway.record(row)
    }
}
