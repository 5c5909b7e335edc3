import Foundation

/// The part of the API description for scores, their publication and the scoring policy.
extension OpenAPIDocument {
    static let scoresOperations: [Operation] = [
        .init(method: "get", url: .api(.campaign(.key, .scores)),
              summary: "Scores of every unit, ranked (SPEC §5); liaisons: their own row once published; the published sheet once published",
              tag: "scores", response: "ScoreSheet"),
        .init(method: "get", url: .api(.campaign(.key, .unitScore(.key))),
              summary: "One unit's score with every deduction explained", tag: "scores", response: "UnitScoreResponse"),
        .init(method: "post", url: .api(.campaign(.key, .publishScores)),
              summary: "Publish and freeze the scores of a closed campaign (admin)", tag: "scores", response: "ScoreSheet"),
        .init(method: "get", url: .api(.campaign(.key, .scoringPolicy)), summary: "The campaign's scoring policy",
              tag: "scores", response: "ScoringPolicy"),
        .init(method: "put", url: .api(.campaign(.key, .scoringPolicy)),
              summary: "Replace the scoring policy (admin; not once published); every problem is named", tag: "scores",
              request: "ScoringPolicy", response: "ScoringPolicy"),
    ]

    static var scoresSchemas: [String: Any] { [
        "ScoreLine": object(["finding": string, "part": ["type": "string", "enum": ["asset", "vulnerability", "protection", "data", "remediation"]],
                             "rule": string, "points": score, "elapsedSeconds": integer, "awaitingRetest": boolean],
                            required: ["finding", "part", "rule", "points"]),
        "UnitScore": object(["unit": string, "name": string, "group": ["type": "string", "enum": ["district", "regulator", "department"]],
                             "assets": integer, "points": integer, "asset": score, "vulnerability": score, "protection": score,
                             "data": score, "remediation": score, "total": score, "rank": integer, "groupRank": integer,
                             "pending": integer, "formula": string, "deductions": ["type": "array", "items": ref("ScoreLine")]],
                            required: ["unit", "name", "group", "assets", "points", "asset", "vulnerability", "protection", "data",
                                       "remediation", "total", "rank", "groupRank", "formula", "deductions"]),
        "ScoreSheet": object(["campaign": string, "scoredAt": dateTime, "published": boolean, "publishedAt": dateTime,
                              "units": ["type": "array", "items": ref("UnitScore")]],
                             required: ["campaign", "scoredAt", "published", "units"]),
        "UnitScoreResponse": object(["campaign": string, "scoredAt": dateTime, "published": boolean, "publishedAt": dateTime,
                                     "score": ref("UnitScore")], required: ["campaign", "scoredAt", "published", "score"]),
        "ScoringPolicy": object(["assetMax": integer, "assetPerDiscrepancy": integer, "vulnerabilityMax": integer,
                                 "severityPoints": object(["critical": integer, "high": integer, "medium": integer, "low": integer],
                                                          required: ["critical", "high", "medium", "low"]),
                                 "protectionMax": integer, "protectionPerItem": integer, "dataMax": integer, "dataPerItem": integer,
                                 "sensitiveRecordsThreshold": integer,
                                 "remediationBrackets": ["type": "array", "items": object(["withinHours": integer, "points": integer],
                                                                                          required: ["withinHours", "points"])],
                                 "remediationLatePoints": integer, "unfixedAfterHours": integer, "unfixedPoints": integer],
                                required: ["assetMax", "assetPerDiscrepancy", "vulnerabilityMax", "severityPoints", "protectionMax",
                                           "protectionPerItem", "dataMax", "dataPerItem", "sensitiveRecordsThreshold",
                                           "remediationBrackets", "remediationLatePoints", "unfixedAfterHours", "unfixedPoints"]),
    ] }
}
