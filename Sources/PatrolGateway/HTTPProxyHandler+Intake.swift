import Foundation
import NIOCore
import NIOHTTP1
import PatrolCore
import PatrolStore

extension HTTPProxyHandler {
    func start(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let now = Date()
        let exchange = Exchange(head: head, client: client, startedAt: now, cap: gateway.view?.settings.bodyCapBytes ?? 65536)
        self.exchange = exchange
        guard let view = gateway.view else { return refuse(.windowClosed, context: context, close: true) }

        if let intercept {
            // Decrypted request inside an admitted CONNECT: the target is fixed, the standing is checked again.
            var target = ProxyTarget(scheme: "https", host: intercept.host, port: intercept.port, path: head.uri)
            if head.uri.utf8.first != UInt8(ascii: "/"),
               let absolute = ProxyTarget.absolute(head.uri.hasPrefix("https://") ? "http://" + head.uri.dropFirst(8) : head.uri) {
                target.path = absolute.path
            }
            exchange.target = target
            exchange.identify(intercept.tester, kind: "https")
            exchange.row.campaignID = intercept.grant.campaignID
            if let refusal = Self.hostHeaderRefusal(head.headers, target: target, defaultPort: 443) {
                return refuse(refusal, context: context, close: true)
            }
            switch view.openCampaigns(team: intercept.tester.teamID, at: now) {
            case .failure(let refusal): return refuse(refusal, context: context, close: true)
            case .success(let open):
                guard open.contains(where: { $0.entry.id == intercept.grant.campaignID }) else {
                    return refuse(.windowClosed, context: context, close: true)
                }
            }
            guard gateway.takeToken(team: intercept.tester.teamID, settings: view.settings) else {
                return refuse(.rateLimited, context: context, close: false)
            }
            return admitted(intercept.grant, context: context)
        }

        let isConnect = head.method == .CONNECT
        guard let target = isConnect ? ProxyTarget.authority(head.uri) : ProxyTarget.absolute(head.uri) else {
            exchange.target = ProxyTarget(scheme: "http", host: "", port: 0, path: head.uri)
            // A malformed http:// URL (no host, a bad port) is a bad request; only another scheme is unsupported.
            let malformed = head.uri.hasPrefix("/") || isConnect || ProxyTarget.httpSchemeEnd(head.uri) != nil
            return refuse(malformed ? .badRequest : .unsupported, context: context, close: isConnect)
        }
        exchange.target = target
        exchange.row.kind = isConnect ? "tunnel" : "http"
        guard let header = head.headers.first(name: "proxy-authorization") else {
            return refuse(.authenticationRequired, context: context, close: isConnect)
        }
        let tester: GatewayDirectory.Tester
        if let cached = authenticated, cached.header == header, cached.view === view {
            // The same credentials against the same snapshot: a keep-alive connection's next request.
            tester = cached.tester
        } else if let cached = authenticated, cached.header == header, let current = view.testers[cached.username],
                  current.tokenHash == cached.tester.tokenHash {
            // The same credentials, proven against an earlier snapshot that had this token hash.
            tester = current
            authenticated = (header, cached.username, view, current)
        } else {
            guard let credentials = ProxyCredentials(header: header) else {
                return refuse(.badCredentials, context: context, close: isConnect)
            }
            exchange.row.username = credentials.username
            guard let found = view.authenticate(username: credentials.username, token: credentials.token) else {
                // A known tester's name with a wrong token: filed under their team and campaign, so
                // the organiser sees attempts on that account (the user id stays unset: not proven).
                if let named = view.testers[credentials.username] {
                    exchange.row.teamID = named.teamID
                    exchange.row.campaignID = view.filingCampaign(team: named.teamID, at: now)
                }
                return refuse(.badCredentials, context: context, close: isConnect)
            }
            tester = found
            authenticated = (header, credentials.username, view, found)
        }
        exchange.row.username = tester.username
        exchange.identify(tester, kind: exchange.row.kind)
        if registered != tester.userID {
            registered = tester.userID
            gateway.registry.register(.init(channel: context.channel, userID: tester.userID, teamID: tester.teamID, campaignID: nil))
        }
        let open: [GatewayView.CampaignScope]
        switch view.openCampaigns(team: tester.teamID, at: now) {
        case .failure(let refusal):
            exchange.row.campaignID = view.filingCampaign(team: tester.teamID, at: now)
            return refuse(refusal, context: context, close: isConnect)
        case .success(let campaigns): open = campaigns
        }
        exchange.row.campaignID = open.first?.entry.id
        if !isConnect, let refusal = Self.hostHeaderRefusal(head.headers, target: target, defaultPort: 80) {
            return refuse(refusal, context: context, close: false)
        }
        guard gateway.takeToken(team: tester.teamID, settings: view.settings) else {
            return refuse(.rateLimited, context: context, close: isConnect)
        }
        phase = .waiting
        let decide: ([IPAddress]) -> Void = { [self] resolved in
            guard let context = self.context, self.exchange === exchange else { return }
            switch view.decide(team: tester.teamID, host: target.host, port: target.port, resolved: resolved, in: open) {
            case .success(let grant):
                exchange.row.campaignID = grant.campaignID
                self.admitted(grant, context: context)
            case .failure(let refusal):
                self.refuse(refusal, context: context, close: isConnect)
            }
        }
        if let literal = Scope.isLiteral(target.host) {
            decide([literal])
        } else if GatewayView.needsResolution(host: target.host, port: target.port, in: open) {
            gateway.resolver.resolve(host: target.host, eventLoop: context.eventLoop).assumeIsolated().whenComplete { result in
                decide((try? result.get()) ?? [])
            }
        } else {
            decide([])
        }
    }
}
