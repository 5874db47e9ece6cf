// Russian geographic (ABC) area codes → zone: the first three digits of a national number name a
// region, and each region listed here lies in one zone. Mobile (DEF, 9xx) numbers are left out: their
// ranges are allocated per operator and region at a finer grain than three digits, and numbers move
// between regions and operators (portability since 2013), so a mobile number's zone is "unknown" (null).
// Also left out: 411 (Yakutia spans three zones) and non-geographic ranges (800 and the like).

const BY_ZONE: Record<string, string> = {
  "Europe/Moscow": [
    "495 499 496 498", // Moscow, Moscow region
    "811 812 813 814 815 816 817 818 820 821", // north-west
    "471 472 473 474 475 481 482 483 484 485 486 487 491 492 493 494", // central
    "831 834 835 836 841 843 847 855", // Volga (Moscow time)
    "861 862 863 865 866 867 871 872 873 877 878 879", // south, North Caucasus
  ].join(" "),
  "Europe/Kaliningrad": "401",
  "Europe/Kirov": "833",
  "Europe/Volgograd": "844",
  "Europe/Saratov": "845",
  "Europe/Samara": "341 846 848",
  "Europe/Ulyanovsk": "842",
  "Europe/Astrakhan": "851",
  "Europe/Simferopol": "365 869",
  "Asia/Yekaterinburg": "342 343 345 346 347 349 351 352 353",
  "Asia/Omsk": "381",
  "Asia/Novosibirsk": "383",
  "Asia/Tomsk": "382",
  "Asia/Novokuznetsk": "384",
  "Asia/Barnaul": "385 388",
  "Asia/Krasnoyarsk": "390 391 394",
  "Asia/Irkutsk": "301 395",
  "Asia/Chita": "302",
  "Asia/Yakutsk": "416",
  "Asia/Vladivostok": "421 423 426",
  "Asia/Magadan": "413",
  "Asia/Sakhalin": "424",
  "Asia/Kamchatka": "415",
  "Asia/Anadyr": "427",
};

const ZONE_BY_CODE = new Map<string, string>();
for (const [zone, codes] of Object.entries(BY_ZONE)) {
  for (const code of codes.split(" ")) ZONE_BY_CODE.set(code, zone);
}

/** The zone of a Russian national number (10 digits) when its area code names a one-zone region. */
export function russianZone(nationalNumber: string): string | null {
  return ZONE_BY_CODE.get(nationalNumber.slice(0, 3)) ?? null;
}
