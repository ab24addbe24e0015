CREATE TABLE "currencies" (
	"id" integer PRIMARY KEY NOT NULL,
	"uuid" uuid DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"label" text NOT NULL,
	"minor_digits" integer NOT NULL,
	CONSTRAINT "currencies_uuid_unique" UNIQUE("uuid"),
	CONSTRAINT "currencies_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "deal_notes" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "deal_notes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"uuid" uuid DEFAULT gen_random_uuid() NOT NULL,
	"deal_id" integer NOT NULL,
	"company_id" integer NOT NULL,
	"created_by_user_id" integer,
	"document" jsonb NOT NULL,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"mentions" integer[] DEFAULT '{}'::integer[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deal_notes_uuid_unique" UNIQUE("uuid")
);
--> statement-breakpoint
CREATE TABLE "deal_payments" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "deal_payments_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"uuid" uuid DEFAULT gen_random_uuid() NOT NULL,
	"deal_id" integer NOT NULL,
	"company_id" integer NOT NULL,
	"partnership_id" integer NOT NULL,
	"payment_stage_id" integer,
	"occurrence" integer NOT NULL,
	"payment_value" numeric(19, 4) NOT NULL,
	"currency_code" text NOT NULL,
	"payment_date" date NOT NULL,
	"payment_category" text DEFAULT 'commission' NOT NULL,
	"recipient_type" text DEFAULT 'partnership' NOT NULL,
	"approved" boolean,
	"approved_at" timestamp with time zone,
	"approved_by_user_id" integer,
	"payment_processing" boolean DEFAULT false NOT NULL,
	"payment_processing_date" timestamp with time zone,
	"payment_completed" boolean DEFAULT false NOT NULL,
	"payment_completed_date" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deal_payments_uuid_unique" UNIQUE("uuid"),
	CONSTRAINT "deal_payments_value_not_negative" CHECK ("deal_payments"."payment_value" >= 0)
);
--> statement-breakpoint
CREATE TABLE "deal_sides" (
	"deal_id" integer NOT NULL,
	"company_id" integer NOT NULL,
	"role" text NOT NULL,
	"lead_id" integer,
	"stage_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deal_sides_deal_id_company_id_pk" PRIMARY KEY("deal_id","company_id")
);
--> statement-breakpoint
CREATE TABLE "deal_tags" (
	"deal_id" integer NOT NULL,
	"tag_id" integer NOT NULL,
	CONSTRAINT "deal_tags_deal_id_tag_id_pk" PRIMARY KEY("deal_id","tag_id")
);
--> statement-breakpoint
CREATE TABLE "deal_users" (
	"deal_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	CONSTRAINT "deal_users_deal_id_user_id_pk" PRIMARY KEY("deal_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "deals" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "deals_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"uuid" uuid DEFAULT gen_random_uuid() NOT NULL,
	"company_id" integer NOT NULL,
	"partnership_id" integer,
	"created_by_user_id" integer,
	"label" text NOT NULL,
	"deal_value" numeric(19, 4) DEFAULT '0' NOT NULL,
	"currency_code" text NOT NULL,
	"expiration_date" date,
	"payment_stage_id" integer,
	"commission_calculation" jsonb,
	"total_commission_value" numeric(19, 4) DEFAULT '0' NOT NULL,
	"integration_name" text,
	"integration_custom_fields" jsonb,
	"powerups" jsonb,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deals_uuid_unique" UNIQUE("uuid"),
	CONSTRAINT "deals_value_not_negative" CHECK ("deals"."deal_value" >= 0)
);
--> statement-breakpoint
ALTER TABLE "tiers" ADD COLUMN "commission_calculation" jsonb;--> statement-breakpoint
ALTER TABLE "deal_notes" ADD CONSTRAINT "deal_notes_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_notes" ADD CONSTRAINT "deal_notes_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_notes" ADD CONSTRAINT "deal_notes_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_payments" ADD CONSTRAINT "deal_payments_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_payments" ADD CONSTRAINT "deal_payments_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_payments" ADD CONSTRAINT "deal_payments_partnership_id_partnerships_id_fk" FOREIGN KEY ("partnership_id") REFERENCES "public"."partnerships"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_payments" ADD CONSTRAINT "deal_payments_payment_stage_id_stages_id_fk" FOREIGN KEY ("payment_stage_id") REFERENCES "public"."stages"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_payments" ADD CONSTRAINT "deal_payments_currency_code_currencies_code_fk" FOREIGN KEY ("currency_code") REFERENCES "public"."currencies"("code") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_payments" ADD CONSTRAINT "deal_payments_approved_by_user_id_users_id_fk" FOREIGN KEY ("approved_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_sides" ADD CONSTRAINT "deal_sides_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_sides" ADD CONSTRAINT "deal_sides_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_sides" ADD CONSTRAINT "deal_sides_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_sides" ADD CONSTRAINT "deal_sides_stage_id_stages_id_fk" FOREIGN KEY ("stage_id") REFERENCES "public"."stages"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_tags" ADD CONSTRAINT "deal_tags_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_tags" ADD CONSTRAINT "deal_tags_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_users" ADD CONSTRAINT "deal_users_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_users" ADD CONSTRAINT "deal_users_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_partnership_id_partnerships_id_fk" FOREIGN KEY ("partnership_id") REFERENCES "public"."partnerships"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_currency_code_currencies_code_fk" FOREIGN KEY ("currency_code") REFERENCES "public"."currencies"("code") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_payment_stage_id_stages_id_fk" FOREIGN KEY ("payment_stage_id") REFERENCES "public"."stages"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deal_notes_deal_idx" ON "deal_notes" USING btree ("deal_id","company_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "deal_payments_occurrence_key" ON "deal_payments" USING btree ("deal_id","payment_stage_id","occurrence");--> statement-breakpoint
CREATE INDEX "deal_payments_partnership_idx" ON "deal_payments" USING btree ("partnership_id","created_at");--> statement-breakpoint
CREATE INDEX "deal_sides_company_idx" ON "deal_sides" USING btree ("company_id","deal_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "deal_sides_lead_idx" ON "deal_sides" USING btree ("lead_id");--> statement-breakpoint
CREATE INDEX "deal_sides_stage_idx" ON "deal_sides" USING btree ("stage_id");--> statement-breakpoint
CREATE INDEX "deal_tags_tag_idx" ON "deal_tags" USING btree ("tag_id");--> statement-breakpoint
CREATE INDEX "deal_users_user_idx" ON "deal_users" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "deals_company_created_idx" ON "deals" USING btree ("company_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "deals"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX "deals_partnership_idx" ON "deals" USING btree ("partnership_id","created_at") WHERE "deals"."deleted_at" IS NULL;--> statement-breakpoint
-- ISO 4217 currencies as Node 20's Intl (CLDR) knows them: code, English name, minor digits.
INSERT INTO "currencies" ("id", "code", "label", "minor_digits") VALUES
  (1, 'AED', 'United Arab Emirates Dirham', 2),
  (2, 'AFN', 'Afghan Afghani', 0),
  (3, 'ALL', 'Albanian Lek', 0),
  (4, 'AMD', 'Armenian Dram', 2),
  (5, 'ANG', 'Netherlands Antillean Guilder', 2),
  (6, 'AOA', 'Angolan Kwanza', 2),
  (7, 'ARS', 'Argentine Peso', 2),
  (8, 'AUD', 'Australian Dollar', 2),
  (9, 'AWG', 'Aruban Florin', 2),
  (10, 'AZN', 'Azerbaijani Manat', 2),
  (11, 'BAM', 'Bosnia-Herzegovina Convertible Mark', 2),
  (12, 'BBD', 'Barbadian Dollar', 2),
  (13, 'BDT', 'Bangladeshi Taka', 2),
  (14, 'BGN', 'Bulgarian Lev', 2),
  (15, 'BHD', 'Bahraini Dinar', 3),
  (16, 'BIF', 'Burundian Franc', 0),
  (17, 'BMD', 'Bermudan Dollar', 2),
  (18, 'BND', 'Brunei Dollar', 2),
  (19, 'BOB', 'Bolivian Boliviano', 2),
  (20, 'BRL', 'Brazilian Real', 2),
  (21, 'BSD', 'Bahamian Dollar', 2),
  (22, 'BTN', 'Bhutanese Ngultrum', 2),
  (23, 'BWP', 'Botswanan Pula', 2),
  (24, 'BYN', 'Belarusian Ruble', 2),
  (25, 'BZD', 'Belize Dollar', 2),
  (26, 'CAD', 'Canadian Dollar', 2),
  (27, 'CDF', 'Congolese Franc', 2),
  (28, 'CHF', 'Swiss Franc', 2),
  (29, 'CLP', 'Chilean Peso', 0),
  (30, 'CNY', 'Chinese Yuan', 2),
  (31, 'COP', 'Colombian Peso', 0),
  (32, 'CRC', 'Costa Rican Colón', 2),
  (33, 'CUC', 'Cuban Convertible Peso', 2),
  (34, 'CUP', 'Cuban Peso', 2),
  (35, 'CVE', 'Cape Verdean Escudo', 2),
  (36, 'CZK', 'Czech Koruna', 2),
  (37, 'DJF', 'Djiboutian Franc', 0),
  (38, 'DKK', 'Danish Krone', 2),
  (39, 'DOP', 'Dominican Peso', 2),
  (40, 'DZD', 'Algerian Dinar', 2),
  (41, 'EGP', 'Egyptian Pound', 2),
  (42, 'ERN', 'Eritrean Nakfa', 2),
  (43, 'ETB', 'Ethiopian Birr', 2),
  (44, 'EUR', 'Euro', 2),
  (45, 'FJD', 'Fijian Dollar', 2),
  (46, 'FKP', 'Falkland Islands Pound', 2),
  (47, 'GBP', 'British Pound', 2),
  (48, 'GEL', 'Georgian Lari', 2),
  (49, 'GHS', 'Ghanaian Cedi', 2),
  (50, 'GIP', 'Gibraltar Pound', 2),
  (51, 'GMD', 'Gambian Dalasi', 2),
  (52, 'GNF', 'Guinean Franc', 0),
  (53, 'GTQ', 'Guatemalan Quetzal', 2),
  (54, 'GYD', 'Guyanaese Dollar', 2),
  (55, 'HKD', 'Hong Kong Dollar', 2),
  (56, 'HNL', 'Honduran Lempira', 2),
  (57, 'HRK', 'Croatian Kuna', 2),
  (58, 'HTG', 'Haitian Gourde', 2),
  (59, 'HUF', 'Hungarian Forint', 0),
  (60, 'IDR', 'Indonesian Rupiah', 0),
  (61, 'ILS', 'Israeli New Shekel', 2),
  (62, 'INR', 'Indian Rupee', 2),
  (63, 'IQD', 'Iraqi Dinar', 0),
  (64, 'IRR', 'Iranian Rial', 0),
  (65, 'ISK', 'Icelandic Króna', 0),
  (66, 'JMD', 'Jamaican Dollar', 2),
  (67, 'JOD', 'Jordanian Dinar', 3),
  (68, 'JPY', 'Japanese Yen', 0),
  (69, 'KES', 'Kenyan Shilling', 2),
  (70, 'KGS', 'Kyrgyz Som', 2),
  (71, 'KHR', 'Cambodian Riel', 2),
  (72, 'KMF', 'Comorian Franc', 0),
  (73, 'KPW', 'North Korean Won', 0),
  (74, 'KRW', 'South Korean Won', 0),
  (75, 'KWD', 'Kuwaiti Dinar', 3),
  (76, 'KYD', 'Cayman Islands Dollar', 2),
  (77, 'KZT', 'Kazakhstani Tenge', 2),
  (78, 'LAK', 'Laotian Kip', 0),
  (79, 'LBP', 'Lebanese Pound', 0),
  (80, 'LKR', 'Sri Lankan Rupee', 2),
  (81, 'LRD', 'Liberian Dollar', 2),
  (82, 'LSL', 'Lesotho Loti', 2),
  (83, 'LYD', 'Libyan Dinar', 3),
  (84, 'MAD', 'Moroccan Dirham', 2),
  (85, 'MDL', 'Moldovan Leu', 2),
  (86, 'MGA', 'Malagasy Ariary', 0),
  (87, 'MKD', 'Macedonian Denar', 2),
  (88, 'MMK', 'Myanmar Kyat', 0),
  (89, 'MNT', 'Mongolian Tugrik', 2),
  (90, 'MOP', 'Macanese Pataca', 2),
  (91, 'MRU', 'Mauritanian Ouguiya', 2),
  (92, 'MUR', 'Mauritian Rupee', 2),
  (93, 'MVR', 'Maldivian Rufiyaa', 2),
  (94, 'MWK', 'Malawian Kwacha', 2),
  (95, 'MXN', 'Mexican Peso', 2),
  (96, 'MYR', 'Malaysian Ringgit', 2),
  (97, 'MZN', 'Mozambican Metical', 2),
  (98, 'NAD', 'Namibian Dollar', 2),
  (99, 'NGN', 'Nigerian Naira', 2),
  (100, 'NIO', 'Nicaraguan Córdoba', 2),
  (101, 'NOK', 'Norwegian Krone', 2),
  (102, 'NPR', 'Nepalese Rupee', 2),
  (103, 'NZD', 'New Zealand Dollar', 2),
  (104, 'OMR', 'Omani Rial', 3),
  (105, 'PAB', 'Panamanian Balboa', 2),
  (106, 'PEN', 'Peruvian Sol', 2),
  (107, 'PGK', 'Papua New Guinean Kina', 2),
  (108, 'PHP', 'Philippine Peso', 2),
  (109, 'PKR', 'Pakistani Rupee', 0),
  (110, 'PLN', 'Polish Zloty', 2),
  (111, 'PYG', 'Paraguayan Guarani', 0),
  (112, 'QAR', 'Qatari Riyal', 2),
  (113, 'RON', 'Romanian Leu', 2),
  (114, 'RSD', 'Serbian Dinar', 2),
  (115, 'RUB', 'Russian Ruble', 2),
  (116, 'RWF', 'Rwandan Franc', 0),
  (117, 'SAR', 'Saudi Riyal', 2),
  (118, 'SBD', 'Solomon Islands Dollar', 2),
  (119, 'SCR', 'Seychellois Rupee', 2),
  (120, 'SDG', 'Sudanese Pound', 2),
  (121, 'SEK', 'Swedish Krona', 2),
  (122, 'SGD', 'Singapore Dollar', 2),
  (123, 'SHP', 'St. Helena Pound', 2),
  (124, 'SLE', 'Sierra Leonean Leone', 2),
  (125, 'SLL', 'Sierra Leonean Leone (1964—2022)', 0),
  (126, 'SOS', 'Somali Shilling', 0),
  (127, 'SRD', 'Surinamese Dollar', 2),
  (128, 'SSP', 'South Sudanese Pound', 2),
  (129, 'STN', 'São Tomé & Príncipe Dobra', 2),
  (130, 'SVC', 'Salvadoran Colón', 2),
  (131, 'SYP', 'Syrian Pound', 0),
  (132, 'SZL', 'Swazi Lilangeni', 2),
  (133, 'THB', 'Thai Baht', 2),
  (134, 'TJS', 'Tajikistani Somoni', 2),
  (135, 'TMT', 'Turkmenistani Manat', 2),
  (136, 'TND', 'Tunisian Dinar', 3),
  (137, 'TOP', 'Tongan Paʻanga', 2),
  (138, 'TRY', 'Turkish Lira', 2),
  (139, 'TTD', 'Trinidad & Tobago Dollar', 2),
  (140, 'TWD', 'New Taiwan Dollar', 2),
  (141, 'TZS', 'Tanzanian Shilling', 2),
  (142, 'UAH', 'Ukrainian Hryvnia', 2),
  (143, 'UGX', 'Ugandan Shilling', 0),
  (144, 'USD', 'US Dollar', 2),
  (145, 'UYU', 'Uruguayan Peso', 2),
  (146, 'UZS', 'Uzbekistani Som', 2),
  (147, 'VES', 'Venezuelan Bolívar', 2),
  (148, 'VND', 'Vietnamese Dong', 0),
  (149, 'VUV', 'Vanuatu Vatu', 0),
  (150, 'WST', 'Samoan Tala', 2),
  (151, 'XAF', 'Central African CFA Franc', 0),
  (152, 'XCD', 'East Caribbean Dollar', 2),
  (153, 'XCG', 'Caribbean guilder', 2),
  (154, 'XDR', 'Special Drawing Rights', 2),
  (155, 'XOF', 'West African CFA Franc', 0),
  (156, 'XPF', 'CFP Franc', 0),
  (157, 'XSU', 'Sucre', 2),
  (158, 'YER', 'Yemeni Rial', 0),
  (159, 'ZAR', 'South African Rand', 2),
  (160, 'ZMW', 'Zambian Kwacha', 2),
  (161, 'ZWG', 'Zimbabwean Gold', 2),
  (162, 'ZWL', 'Zimbabwean Dollar (2009–2024)', 2);
--> statement-breakpoint
-- Commission arithmetic, in numeric (exact) and in one place: the writes that change a deal's
-- value or its calculation, and the one that makes payments, call these in the same statement.
-- An entry is {"payment_stage_id": n, "calculation": {"type": "oneOff"|"recurring",
-- "option": "fixed"|"percentage", "value": "<decimal string>", "number_of_occurrences": n}}.
-- One occurrence pays the fixed amount, or value % of the deal value, rounded half away from
-- zero to the currency's minor unit; the total is Σ amount × occurrences, so the payments of
-- every entry add up to it exactly.
CREATE FUNCTION "deal_commission_amount"(entry jsonb, deal_value numeric, minor_digits integer)
  RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
  SELECT round(CASE entry->'calculation'->>'option'
                 WHEN 'percentage' THEN deal_value * (entry->'calculation'->>'value')::numeric / 100
                 ELSE (entry->'calculation'->>'value')::numeric END, minor_digits)
$$;
--> statement-breakpoint
CREATE FUNCTION "deal_commission_occurrences"(entry jsonb) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN entry->'calculation'->>'type' = 'recurring'
              THEN coalesce((entry->'calculation'->>'number_of_occurrences')::integer, 1)
              ELSE 1 END
$$;
--> statement-breakpoint
CREATE FUNCTION "deal_commission_total"(calculation jsonb, deal_value numeric, minor_digits integer)
  RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(sum(deal_commission_amount(e, deal_value, minor_digits) * deal_commission_occurrences(e)), 0)
    FROM jsonb_array_elements(coalesce(calculation->'entries', '[]'::jsonb)) AS e
$$;
