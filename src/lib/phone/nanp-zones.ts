// US and Canadian area codes that lie wholly in one time zone. Left out on purpose (their callers' zone
// is unknown): codes split by a zone line (907 Adak, 928 Navajo Nation, 208/986 Idaho, 850/448 Florida
// panhandle, 219 Indiana (Francesville, in Pulaski County, keeps Eastern), 574/812/930 Indiana, 620/785
// Kansas, 270/364 Kentucky, 606 Kentucky (Clinton County, around Albany, keeps Central), 906 Michigan, 308
// Nebraska, 775 Nevada, 701 North Dakota, 541/458 Oregon, 605 South Dakota, 423/931 Tennessee, 432 Texas,
// 250/778/236/672 British Columbia, 306/639/474 Saskatchewan, 807 Ontario, 418/581/367 Quebec, 709/879
// Newfoundland and Labrador, 867 the territories), toll-free and non-geographic codes, and overlays too
// recent to be sure of. A code in the wrong zone moves its callee window by an hour, so when in doubt a
// code stays out. Zones are the official ones (e.g. 334 Alabama is Central, though Phenix City keeps
// Eastern unofficially).

const BY_ZONE: Record<string, string> = {
  "America/New_York": [
    "203 475 860 959", // CT
    "302", // DE
    "202 771", // DC
    "239 305 321 324 352 386 407 561 645 656 689 727 728 754 772 786 813 863 904 941 954", // FL
    "229 404 470 478 678 706 762 770 912 943", // GA
    "207", // ME
    "227 240 301 410 443 667", // MD
    "339 351 413 508 617 774 781 857 978", // MA
    "603", // NH
    "201 551 609 640 732 848 856 862 908 973", // NJ
    "212 315 332 347 516 518 585 607 631 646 680 716 718 838 845 914 917 929 934", // NY
    "252 336 704 743 828 910 919 980 984", // NC
    "216 220 234 326 330 380 419 440 513 567 614 740 937", // OH
    "215 223 267 272 412 445 484 570 582 610 717 724 814 878", // PA
    "401", // RI
    "803 839 843 854 864", // SC
    "802", // VT
    "276 434 540 571 703 757 804 948", // VA
    "304 681", // WV
    "502 859", // KY (Eastern part)
    "865", // TN (Knoxville)
  ].join(" "),
  "America/Detroit": "231 248 269 313 517 586 616 734 810 947 989",
  "America/Indiana/Indianapolis": "260 317 463 765",
  "America/Chicago": [
    "205 251 256 334 659 938", // AL
    "327 479 501 870", // AR
    "217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 872", // IL
    "319 515 563 641 712", // IA
    "316 913", // KS
    "225 318 337 504 985", // LA
    "218 320 507 612 651 763 952", // MN
    "228 601 662 769", // MS
    "314 417 573 636 660 816", // MO
    "402 531", // NE
    "405 539 572 580 918", // OK
    "615 629 731 901", // TN
    "210 214 254 281 325 346 361 409 430 469 512 682 713 726 737 806 817 830 832 903 936 940 945 956 972 979", // TX
    "262 414 534 608 715 920", // WI
  ].join(" "),
  "America/Denver": [
    "303 719 720 970", // CO
    "406", // MT
    "505 575", // NM
    "385 435 801", // UT
    "307", // WY
    "915", // TX (El Paso)
  ].join(" "),
  "America/Phoenix": "480 520 602 623",
  "America/Los_Angeles": [
    "209 213 279 310 323 350 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669", // CA
    "707 714 747 760 805 818 820 840 858 909 916 925 949 951", // CA
    "702 725", // NV
    "503 971", // OR
    "206 253 360 425 509 564", // WA
  ].join(" "),
  "Pacific/Honolulu": "808",
  // Canada
  "America/Toronto": "226 249 289 343 365 416 437 519 548 613 647 705 905 438 450 514 579 819 873",
  "America/Winnipeg": "204 431",
  "America/Edmonton": "403 587 780 825",
  "America/Vancouver": "604",
  "America/Moncton": "506",
  "America/Halifax": "902 782",
};

const ZONE_BY_AREA_CODE = new Map<string, string>();
for (const [zone, codes] of Object.entries(BY_ZONE)) {
  for (const code of codes.split(" ")) ZONE_BY_AREA_CODE.set(code, zone);
}

/** The zone of a US/Canadian national number (10 digits) when its area code has only one; else null. */
export function nanpZone(nationalNumber: string): string | null {
  return ZONE_BY_AREA_CODE.get(nationalNumber.slice(0, 3)) ?? null;
}

export function nanpAreaCodes(): ReadonlyMap<string, string> {
  return ZONE_BY_AREA_CODE;
}
