import Fluent
import Foundation
import PatrolStore

/// The admin changes the SMS provider: the settings form checked as a whole (each missing value
/// named) before it is stored; a blank secret keeps the current one; the audit entry never carries
/// the secret.
struct SMSSettingsChange {
    let db: any Database
    /// Who acted, from where, for the audit log.
    let audit: AuditContext
    /// The `PATROL_SMS_*` environment the process started with, under the stored settings.
    let environment: [String: String]

    /// The form's fields and the settings they stand for.
    static let fields: [(form: String, key: String)] = [
        ("provider", "PATROL_SMS_PROVIDER"), ("endpoint", "PATROL_SMS_ENDPOINT"), ("keyID", "PATROL_SMS_KEY_ID"),
        ("keySecret", "PATROL_SMS_KEY_SECRET"), ("signName", "PATROL_SMS_SIGN_NAME"), ("appID", "PATROL_SMS_APP_ID"),
        ("region", "PATROL_SMS_REGION"), ("templateNotice", "PATROL_SMS_TEMPLATE_NOTICE"),
        ("templateReminder", "PATROL_SMS_TEMPLATE_REMINDER"), ("templateReturned", "PATROL_SMS_TEMPLATE_RETURNED"),
        ("templateDeclaration", "PATROL_SMS_TEMPLATE_DECLARATION"),
        ("reminderLead", "PATROL_SMS_REMINDER_LEAD_MINUTES"), ("phoneInterval", "PATROL_SMS_PHONE_INTERVAL_SECONDS"),
    ]

    /// Stores the settings `form` gives (by form field); settings that cannot work together throw
    /// the `OptionError` naming what is wrong, and nothing is stored.
    func save(_ form: [String: String]) async throws {
        let stored = try await Setting.all(prefix: "PATROL_SMS_", on: db)
        var changes: [String: String] = [:]
        for (field, key) in Self.fields {
            let value = (form[field] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if field == "keySecret" && value.isEmpty { continue }
            changes[key] = value
        }
        let candidate = environment.merging(stored) { $1 }.merging(changes) { $1 }.filter { !$0.value.isEmpty }
        _ = try SMSSettings.fromEnvironment(candidate)
        let changed = changes.filter { (stored[$0.key] ?? environment[$0.key] ?? "") != $0.value }
        let (toStore, audit) = (changes, self.audit)
        try await db.transaction { db in
            try await Setting.store(toStore, on: db)
            try await AuditLog.append(on: db, audit, action: "sms.settings", objectType: "settings", objectID: "sms",
                                      details: Dictionary(uniqueKeysWithValues: changed.map {
                                          ($0.key, $0.key == "PATROL_SMS_KEY_SECRET" ? "(changed)" : $0.value)
                                      }))
        }
    }
}
