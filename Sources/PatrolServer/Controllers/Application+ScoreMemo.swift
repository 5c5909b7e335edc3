import PatrolStore
import Vapor

extension Application {
    private struct ScoreMemoKey: StorageKey { typealias Value = ScoreMemo }
    private struct ScoreMemoLock: LockKey {}

    /// This process's memo of provisional score sheets; each node keeps its own, all keyed by the
    /// database's score data counter, so none shows a sheet another node's change has outdated.
    public var scoreMemo: ScoreMemo {
        if let memo = storage[ScoreMemoKey.self] { return memo }
        return locks.lock(for: ScoreMemoLock.self).withLock {
            if let memo = storage[ScoreMemoKey.self] { return memo }
            let memo = ScoreMemo()
            storage[ScoreMemoKey.self] = memo
            return memo
        }
    }
}
