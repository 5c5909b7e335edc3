import Foundation

/// The part of the API description for signing in and out, one's own password, and the admin's accounts API.
extension OpenAPIDocument {
    static let accountsOperations: [Operation] = [
        .init(method: "post", url: .api(.login), summary: "Sign in; returns a bearer token", tag: "auth",
              request: "LoginRequest", response: "TokenResponse", auth: false),
        .init(method: "post", url: .api(.logout), summary: "End this token's session", tag: "auth", status: 204),
        .init(method: "get", url: .api(.me), summary: "The signed-in user", tag: "auth", response: "User"),
        .init(method: "post", url: .api(.password), summary: "Change one's own password", tag: "auth",
              request: "PasswordChange", status: 204),
        .init(method: "get", url: .api(.users), summary: "Accounts by user name (admin); filters role, q; \(paged)", tag: "users", response: "UserList"),
        .init(method: "post", url: .api(.users), summary: "Create an account (admin); a generated password is returned once",
              tag: "users", request: "UserCreate", response: "UserCreated", status: 201),
        .init(method: "get", url: .api(.user(.key, .page)), summary: "One account (admin)", tag: "users", response: "User"),
        .init(method: "patch", url: .api(.user(.key, .page)), summary: "Disable or enable an account (admin)", tag: "users",
              request: "UserUpdate", response: "User"),
        .init(method: "post", url: .api(.user(.key, .password)),
              summary: "Reset to a generated password the user must change (admin)", tag: "users", response: "PasswordReset"),
    ]

    static var accountsSchemas: [String: Any] { [
        "LoginRequest": object(["username": string, "password": string], required: ["username", "password"]),
        "TokenResponse": object(["token": string, "user": ref("User")], required: ["token", "user"]),
        "PasswordChange": object(["currentPassword": string, "newPassword": string], required: ["currentPassword", "newPassword"]),
        "User": object(["id": string, "username": string, "displayName": string,
                        "role": ["type": "string", "enum": ["admin", "reviewer", "tester", "liaison", "observer"]],
                        "unit": string, "team": string, "phone": string, "disabled": boolean, "mustChangePassword": boolean,
                        "lockedUntil": dateTime, "lastLoginAt": dateTime],
                       required: ["id", "username", "displayName", "role", "disabled", "mustChangePassword"]),
        "UserList": page(of: ref("User")),
        "UserCreate": object(["username": string, "displayName": string, "role": string, "unit": string, "team": string,
                              "phone": string, "password": string], required: ["username", "role"]),
        "UserCreated": object(["user": ref("User"), "password": string], required: ["user"]),
        "UserUpdate": object(["disabled": boolean], required: []),
        "PasswordReset": object(["password": string], required: ["password"]),
    ] }
}
