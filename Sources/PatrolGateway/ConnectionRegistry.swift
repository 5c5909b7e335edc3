import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// The open client connections of authenticated testers, so the kill switch can close them: after
/// every refresh, a connection whose tester, team or campaign is no longer allowed is closed.
final class ConnectionRegistry: Sendable {
    struct Entry: Sendable {
        var channel: any Channel
        var userID: UUID
        var teamID: UUID
        /// Set for tunnels (plain or intercepted), which belong to one campaign; nil for forward-proxy
        /// connections, whose requests are decided one by one.
        var campaignID: UUID?
    }

    private let entries = NIOLockedValueBox<[ObjectIdentifier: Entry]>([:])

    func register(_ entry: Entry) {
        let key = ObjectIdentifier(entry.channel)
        let isNew = entries.withLockedValue { table in
            let isNew = table[key] == nil
            table[key] = entry
            return isNew
        }
        if isNew {
            entry.channel.closeFuture.whenComplete { [weak self] _ in
                _ = self?.entries.withLockedValue { $0.removeValue(forKey: key) }
            }
        }
    }

    var count: Int { entries.withLockedValue { $0.count } }

    func entriesSnapshot() -> [Entry] { entries.withLockedValue { Array($0.values) } }

    /// Closes every connection the view no longer allows; returns how many.
    @discardableResult
    func enforce(_ view: GatewayView, now: Date) -> Int {
        let doomed = entries.withLockedValue { table in
            table.values.filter { !Self.allowed($0, in: view, now: now) }
        }
        for entry in doomed { entry.channel.close(promise: nil) }
        return doomed.count
    }

    static func allowed(_ entry: Entry, in view: GatewayView, now: Date) -> Bool {
        guard view.testers.values.contains(where: { $0.userID == entry.userID && $0.teamID == entry.teamID }) else { return false }
        switch view.openCampaigns(team: entry.teamID, at: now) {
        case .failure: return false
        case .success(let open):
            guard let campaign = entry.campaignID else { return true }
            return open.contains { $0.entry.id == campaign }
        }
    }
}

extension ConnectionRegistry {
    func closeAll() {
        for entry in entriesSnapshot() { entry.channel.close(promise: nil) }
    }
}
