/// What a reader narrows the gateway records to, as the records page, the API and the export take
/// it from the query string; every field is optional and checked by `GatewayRecords.query`.
struct GatewayRecordFilter: Codable, Sendable {
    var team: String?
    var tester: String?
    var host: String?
    var status: String?
    var decision: String?
    var alert: String?
    var from: String?
    var to: String?
    var q: String?
    var page: Int?
    var per: Int?
}
