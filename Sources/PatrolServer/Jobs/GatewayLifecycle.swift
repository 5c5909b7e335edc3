import Foundation
import NIOConcurrencyHelpers
import PatrolGateway
import Vapor

extension Application {
    private struct GatewayKey: StorageKey { typealias Value = Gateway }
    private struct GatewayAddressKey: StorageKey { typealias Value = String }

    /// The gateway running inside this process (`patrol serve` without `--no-gateway`); nil when the
    /// gateway runs as its own process. Controllers use it to apply a suspension at once.
    public var gateway: Gateway? {
        get { storage[GatewayKey.self] }
        set { storage[GatewayKey.self] = newValue }
    }

    /// `host:port` of the gateway running inside this process, for testers' proxy settings.
    public var gatewayAddress: String? {
        get { storage[GatewayAddressKey.self] }
        set { storage[GatewayAddressKey.self] = newValue }
    }
}

/// Runs the gateway alongside the web server: started once the application has booted (the database
/// is migrated by then), stopped with it, writing its last records first.
public struct GatewayLifecycle: LifecycleHandler {
    let host: String
    let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public func didBootAsync(_ app: Application) async throws {
        let gateway = Gateway(database: { app.db }, dataDirectory: URL(fileURLWithPath: app.patrolOptions.dataDirectory),
                              environment: ProcessInfo.processInfo.environment,
                                      group: Gateway.eventLoops(environment: ProcessInfo.processInfo.environment), logger: app.logger)
        // The web server and the database are Patrol's own: never targets.
        gateway.protect(ports: [app.http.server.configuration.port] + [app.patrolOptions.database.serverPort].compactMap { $0 })
        let bound: Int
        do { bound = try await gateway.start(host: host, port: port) } catch {
            throw GatewayListenFailure(address: host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)", reason: "\(error)")
        }
        app.gateway = gateway
        app.gatewayAddress = host.contains(":") ? "[\(host)]:\(bound)" : "\(host):\(bound)"
    }

    public func shutdownAsync(_ app: Application) async {
        await app.gateway?.stop()
    }
}

/// The gateway beside the web server could not bind: say which address and what to do.
public struct GatewayListenFailure: Error, CustomStringConvertible {
    public var address: String
    public var reason: String
    public var description: String {
        "监管网关无法监听 \(address)（端口被占用？）：用 --gateway-listen 主机:端口 换一个，或 --no-gateway 不在本进程运行网关 / "
            + "the supervision gateway cannot listen on \(address) (port in use?): choose another with --gateway-listen HOST:PORT "
            + "or run without it using --no-gateway (\(reason))"
    }
}
