import Foundation
import NIOCore
import NIOPosix
import PatrolCore

/// Turns a target's name into addresses. The gateway checks these addresses and connects to the one
/// it checked, so a name that resolves differently a moment later (DNS rebinding) changes nothing.
public protocol GatewayResolver: Sendable {
    func resolve(host: String, eventLoop: any EventLoop) -> EventLoopFuture<[IPAddress]>
}

/// The system's resolver (getaddrinfo), run on NIO's blocking thread pool, never on an event loop.
public struct SystemResolver: GatewayResolver {
    public init() {}

    public func resolve(host: String, eventLoop: any EventLoop) -> EventLoopFuture<[IPAddress]> {
        NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) { Self.lookup(host) }
    }

    static func lookup(_ host: String) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let sa = info.pointee.ai_addr {
                switch Int32(sa.pointee.sa_family) {
                case AF_INET:
                    sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                        withUnsafeBytes(of: p.pointee.sin_addr) { addresses.append(IPAddress(bytes: Array($0))!) }
                    }
                case AF_INET6:
                    sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                        withUnsafeBytes(of: p.pointee.sin6_addr) { addresses.append(IPAddress(bytes: Array($0))!) }
                    }
                default: break
                }
            }
            cursor = info.pointee.ai_next
        }
        var seen = Set<IPAddress>()
        return addresses.filter { seen.insert($0).inserted }
    }
}

/// A fixed table of names, for tests (rebinding attempts among them) and for closed networks.
public struct StaticResolver: GatewayResolver {
    public var table: [String: [IPAddress]]
    public init(_ table: [String: [IPAddress]]) { self.table = table }

    public func resolve(host: String, eventLoop: any EventLoop) -> EventLoopFuture<[IPAddress]> {
        eventLoop.makeSucceededFuture(table[host.lowercased()] ?? [])
    }
}

extension IPAddress {
    /// The socket address to connect to: exactly this address.
    func socketAddress(port: Int) throws -> SocketAddress {
        switch self {
        case .v4: return try SocketAddress(ipAddress: description, port: port)
        case .v6: return try SocketAddress(ipAddress: description, port: port)
        }
    }
}
