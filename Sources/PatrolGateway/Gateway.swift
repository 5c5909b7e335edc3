import FluentKit
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import PatrolCore
import PatrolStore

/// The supervision gateway (SPEC §6): one listener speaking HTTP forward proxy (absolute URIs and
/// CONNECT) and SOCKS5, told apart by the first byte. It reads scope and team state from the
/// database every half second (several nodes can share one PostgreSQL), admits each request or
/// tunnel against it, and records everything in batches.
public final class Gateway: Sendable {
    let database: @Sendable () -> any Database
    public let resolver: any GatewayResolver
    let group: any EventLoopGroup
    let logger: Logger
    let environment: [String: String]
    let dataDirectory: URL
    let registry = ConnectionRegistry()
    public let batcher: RecordBatcher
    private let current = NIOLockedValueBox<GatewayView?>(nil)
    /// The directory of the last refresh, whose assets the next one keeps while the scope counter holds.
    private let lastDirectory = NIOLockedValueBox<GatewayDirectory?>(nil)
    private let buckets = NIOLockedValueBox<[UUID: TokenBucket]>([:])
    private let authorities = NIOLockedValueBox<[String: CampaignCA]>([:])
    private let listener = NIOLockedValueBox<(any Channel)?>(nil)
    private let loops = NIOLockedValueBox<[Task<Void, Never>]>([])
    private let lastPurge = NIOLockedValueBox<Date>(.distantPast)
    /// Patrol's own ports (web server, this gateway, the database) and this machine's addresses:
    /// a target on one of those ports at one of these addresses is Patrol itself, refused whatever
    /// the scope says (issue 18).
    private let ownPorts = NIOLockedValueBox<Set<Int>>([])
    private let ownAddresses = NIOLockedValueBox<Set<IPAddress>>([])
    /// How often scope and team state are re-read, and records written.
    let refreshInterval: Duration
    let flushInterval: Duration

    public init(database: @escaping @Sendable () -> any Database, dataDirectory: URL, environment: [String: String],
                resolver: any GatewayResolver = SystemResolver(), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "patrol.gateway"),
                refreshInterval: Duration = .milliseconds(500), flushInterval: Duration = .milliseconds(200)) {
        self.database = database
        self.dataDirectory = dataDirectory
        self.environment = environment.filter { $0.key.hasPrefix("PATROL_GATEWAY_") }
        self.resolver = resolver
        self.group = group
        self.logger = logger
        self.batcher = RecordBatcher(logger: logger)
        self.refreshInterval = refreshInterval
        self.flushInterval = flushInterval
        // Ports of Patrol's own run elsewhere (the web server beside a standalone gateway), e.g. "8080,443".
        let listed = self.environment["PATROL_GATEWAY_PROTECTED_PORTS"]?.split(separator: ",")
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? []
        ownPorts.withLockedValue { $0.formUnion(listed) }
    }

    /// The gateway's own event loops, one per core but one: recording (compression and the batched
    /// database writes) needs CPU too, and at full load on a small machine a loop per core starved
    /// the writer (measured in BENCHMARKS.md). `PATROL_GATEWAY_THREADS` overrides the count.
    public static func eventLoops(environment: [String: String]) -> any EventLoopGroup {
        processLoops.withLockedValue { existing in
            if let existing { return existing }
            let configured = environment["PATROL_GATEWAY_THREADS"].flatMap(Int.init).map { min(max($0, 1), 64) }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: configured ?? max(1, System.coreCount - 1))
            existing = group
            return group
        }
    }
    private static let processLoops = NIOLockedValueBox<MultiThreadedEventLoopGroup?>(nil)

    /// Adds ports of Patrol's own (the web server's, the database's) to those never reached through the gateway.
    public func protect(ports: [Int]) {
        ownPorts.withLockedValue { $0.formUnion(ports) }
    }

    /// Whether `address:port` is Patrol itself: one of its ports on loopback or on an address of this machine.
    public func isPatrolItself(address: IPAddress, port: Int) -> Bool {
        guard ownPorts.withLockedValue({ $0.contains(port) }) else { return false }
        return address.specialUse == .loopback || address.specialUse == .unspecified
            || ownAddresses.withLockedValue { $0.contains(address) }
    }

    /// The view requests are decided against; nil only before the first refresh.
    public var view: GatewayView? { current.withLockedValue { $0 } }

    /// Reads the directory again, recompiles what changed, and closes the connections it no longer allows.
    public func refresh(now: Date = Date()) async throws {
        let db = database()
        let directory: GatewayDirectory
        do {
            directory = try await GatewayDirectory.load(on: db, previous: lastDirectory.withLockedValue { $0 }, now: now)
        } catch {
            // The next refresh reads everything again rather than trust what it kept.
            lastDirectory.withLockedValue { $0 = nil }
            throw error
        }
        lastDirectory.withLockedValue { $0 = directory }
        let previous = view
        let settings: GatewaySettings
        do {
            settings = try GatewaySettings.resolve(environment: environment, stored: directory.settings)
        } catch {
            // A bad stored value keeps the settings in force rather than falling back to defaults.
            logger.error("gateway settings: \(databaseErrorText(error))")
            settings = try previous?.settings ?? GatewaySettings.resolve(environment: environment, stored: [:])
        }
        let next = GatewayView(directory: directory, settings: settings, previous: previous)
        current.withLockedValue { $0 = next }
        if previous?.settings != settings { buckets.withLockedValue { $0.removeAll() } }
        let closed = registry.enforce(next, now: now)
        if closed > 0 { logger.notice("gateway closed \(closed) connection(s) no longer allowed") }
    }

    /// Takes one request's token from the team's bucket.
    func takeToken(team: UUID, settings: GatewaySettings) -> Bool {
        let now = NIODeadline.now().uptimeNanoseconds
        return buckets.withLockedValue { table in
            var bucket = table[team] ?? TokenBucket(ratePerSecond: settings.ratePerSecond, burst: settings.burst)
            let ok = bucket.take(atNanoseconds: now)
            table[team] = bucket
            return ok
        }
    }

    /// The campaign's CA, created on first use under `PATROL_DATA_DIR/gateway/ca/`.
    public func authority(campaign code: String) throws -> CampaignCA {
        if let ca = authorities.withLockedValue({ $0[code] }) { return ca }
        let ca = try CampaignCA.loadOrCreate(dataDirectory: dataDirectory, campaign: code)
        authorities.withLockedValue { $0[code] = ca }
        return ca
    }

    /// Binds the listener and starts refreshing and recording; returns the bound port (for port 0).
    @discardableResult
    public func start(host: String, port: Int) async throws -> Int {
        try await refresh()
        let gateway = self
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let idle = gateway.view?.settings.idleTimeout ?? 300
                    try channel.pipeline.syncOperations.addHandlers([
                        IdleCloseHandler(timeout: .milliseconds(Int64(idle * 1000))),
                        ProtocolSniffer(gateway: gateway),
                    ])
                }
            }
            .bind(host: host, port: port).get()
        listener.withLockedValue { $0 = channel }
        if let bound = channel.localAddress?.port { protect(ports: [bound]) }
        let addresses = ((try? System.enumerateDevices()) ?? []).compactMap { $0.address?.ipAddress.flatMap(IPAddress.init) }
        ownAddresses.withLockedValue { $0.formUnion(addresses) }
        let refresher = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: gateway.refreshInterval)
                do {
                    try await gateway.refresh()
                    try await gateway.purgeIfDue()
                } catch { gateway.logger.error("gateway refresh: \(databaseErrorText(error))") }
            }
        }
        let writer = Task {
            var behind = false
            while !Task.isCancelled {
                // A full batch means more is waiting: write on without pausing until caught up.
                if !behind { try? await Task.sleep(for: gateway.flushInterval) }
                // Stopping: `stop()` writes what is left.
                if Task.isCancelled { break }
                do {
                    behind = try await gateway.batcher.flush(on: gateway.database()) >= RecordBatcher.batchLimit
                } catch is CancellationError {
                    // Stopped while the batch waited for a thread: it is back in the queue for `stop()`.
                    break
                } catch {
                    behind = false
                    gateway.logger.error("gateway records not yet written (\(gateway.batcher.pendingCount) waiting): \(databaseErrorText(error))")
                }
            }
        }
        loops.withLockedValue { $0 = [refresher, writer] }
        logger.info("gateway listening on \(host):\(channel.localAddress?.port ?? port)")
        return channel.localAddress?.port ?? port
    }

    /// Stops listening, closes open connections, and writes the remaining records.
    public func stop() async {
        let channel = listener.withLockedValue { c -> (any Channel)? in defer { c = nil }; return c }
        try? await channel?.close()
        let tasks = loops.withLockedValue { t -> [Task<Void, Never>] in defer { t = [] }; return t }
        for task in tasks { task.cancel() }
        registry.closeAll()
        // A batch the writer took before the cancellation is still being written: wait for it, or
        // the process could exit with those rows neither in the database nor in the queue.
        for task in tasks { await task.value }
        try? await Task.sleep(for: .milliseconds(50))
        do {
            while try await batcher.flush(on: database()) > 0 {}
        } catch { logger.error("gateway records lost at stop: \(databaseErrorText(error))") }
        batcher.close()
    }

    /// Deletes records older than the retention setting, at most once an hour.
    func purgeIfDue(now: Date = Date()) async throws {
        guard let days = view?.settings.retentionDays, days > 0 else { return }
        guard now.timeIntervalSince(lastPurge.withLockedValue { $0 }) > 3600 else { return }
        lastPurge.withLockedValue { $0 = now }
        let cutoff = now.addingTimeInterval(-Double(days) * 86400)
        try await GatewayRecord.deleteStarted(before: cutoff, on: database())
    }

    /// Queues a record, filed by `GatewayView.fallbackCampaign(for:)` when the handler named no campaign.
    func record(_ row: GatewayRecordRow) {
        guard row.campaignID == nil, let campaign = view?.fallbackCampaign(for: row) else { return batcher.append(row) }
        var filed = row
        filed.campaignID = campaign
        batcher.append(filed)
    }

    /// Puts a view in force without a database (handler tests).
    func install(_ view: GatewayView) { current.withLockedValue { $0 = view } }
}
