/// The score data counter as read from the database (migration 023): a sheet computed under one
/// stamp stays right until the stamp moves.
public struct ScoreDataStamp: Hashable, Sendable {
    public var generation: String
    public var version: Int64
    public init(generation: String, version: Int64) {
        self.generation = generation
        self.version = version
    }
}
