-- The engine's floor: every lead's mql_at straight from the raw tables, in one DuckDB query.
--
-- This is the least work the job needs to answer its central question ("when did each lead
-- first become an MQL?") under one rule set, as of one point in time: parse the landed
-- values (typed or text), drop invalid rows, keep the newest landing of each event id and
-- of each disposition id and the newest version of each lead and company, categorise page
-- views, compute the fit score and whether a disqualifying fit rule matches, cut each
-- lead's history into cycles at its dispositions, compute the capped engagement score of
-- each open cycle (rules counted per event or per UTC day) in the rolling window at every
-- scored event's time, the first crossing of the thresholds in any open cycle, and clamp
-- it to the lead's created_at.
-- It follows docs/semantics.md exactly (the benchmark test compares it with
-- marts.fct_lead_lifecycle lead by lead), but it is a benchmark query, not a model.
-- Shortcuts that keep it exact:
--   * a lead that matches a disqualifying fit rule or misses min_fit_points can never be
--     an MQL: its events are not scored at all;
--   * an event's cycle starts at its lead's latest disposition time strictly before it (an
--     ASOF join); events of a cycle after `disqualified` are dropped; the score passes are
--     partitioned by cycle, so each cycle starts from zero and window departures after a
--     cycle's end change nothing an event of the cycle sees; the first MQL is then the
--     earliest qualifying event over all open cycles;
--   * the mart also clamps an MQL to the lead's nurturing (first positive points); with
--     min_engagement_points > 0 (every shipped rule set) the first positive award always
--     precedes a qualifying time, so only created_at needs clamping.
--
-- Parameters (DuckDB variables, set before running it):
--   lf_as_of      timestamp: events after it are ignored, leads created after it excluded
--   lf_rule_set   the rule set to evaluate (e.g. 'default')
--   lf_seeds_dir  the project's seeds/ folder: rules are read from the seed CSVs as data
-- Reads schema raw of the current database. Output: lead_id, mql_at (null: not an MQL),
-- one row per staged lead created at or before lf_as_of.

with

rule_set as (
    select
        cast(mql_threshold as integer) as mql_threshold,
        cast(min_engagement_points as integer) as min_engagement_points,
        cast(nullif(min_fit_points, '') as integer) as min_fit_points,
        to_days(cast(engagement_window_days as integer)) as window_length
    from read_csv(getvariable('lf_seeds_dir') || '/scoring_rule_sets.csv', header = true, all_varchar = true)
    where rule_set_id = getvariable('lf_rule_set')
),

engagement_rules as (
    select
        rule_id,
        signal,
        nullif(qualifier, '') as qualifier,
        cast(points as integer) as points,
        cast(nullif(cap, '') as integer) as cap,
        counting_unit = 'day' as counts_days
    from read_csv(getvariable('lf_seeds_dir') || '/scoring_engagement_rules.csv', header = true, all_varchar = true)
    where rule_set_id = getvariable('lf_rule_set')
),

fit_rules as (
    -- a rule may have several rows (one value or pattern each); a disqualifying rule has
    -- no points
    select
        rule_id,
        attribute,
        operator,
        nullif(value_text, '') as value_text,
        cast(nullif(value_min, '') as double) as value_min,
        cast(nullif(value_max, '') as double) as value_max,
        cast(nullif(points, '') as integer) as points,
        cast(is_disqualifying as boolean) as is_disqualifying
    from read_csv(getvariable('lf_seeds_dir') || '/scoring_fit_rules.csv', header = true, all_varchar = true)
    where rule_set_id = getvariable('lf_rule_set')
),

page_categories as (
    select
        page_category,
        url_pattern,
        cast(priority as integer) as priority
    from read_csv(getvariable('lf_seeds_dir') || '/page_categories.csv', header = true, all_varchar = true)
),

free_email_domains as (
    select distinct email_domain
    from read_csv(getvariable('lf_seeds_dir') || '/free_email_domains.csv', header = true, all_varchar = true)
),

excluded_email_domains as (
    select email_domain, kind
    from read_csv(getvariable('lf_seeds_dir') || '/excluded_email_domains.csv', header = true, all_varchar = true)
),

-- leads: valid rows, newest version, created at or before as_of ----------------------------

leads_parsed as (
    select
        nullif(trim(cast(lead_id as varchar)), '') as lead_id,
        lower(nullif(trim(cast(email as varchar)), '')) as email,
        nullif(trim(cast(job_title as varchar)), '') as job_title,
        nullif(trim(cast(company_id as varchar)), '') as company_id,
        coalesce(lower(nullif(trim(cast(lead_source as varchar)), '')), 'unknown') as lead_source,
        nullif(trim(cast(campaign_id as varchar)), '') as campaign_id,
        try_cast(created_at as timestamp) as created_at,
        try_cast(updated_at as timestamp) as updated_at,
        try_cast(_loaded_at as timestamp) as loaded_at
    from raw.crm_leads
),

leads as (
    select
        lead_id,
        company_id,
        lead_source,
        nullif(string_split(email, '@')[2], '') as email_domain,
        lower(job_title) as job_title_lower,
        created_at
    from leads_parsed
    where lead_id is not null and created_at is not null and loaded_at is not null
    qualify
        row_number() over (
            partition by lead_id
            order by
                updated_at desc nulls last, loaded_at desc, created_at desc,
                email asc nulls last, job_title asc nulls last, company_id asc nulls last,
                lead_source asc, campaign_id asc nulls last
        ) = 1
        and created_at <= cast(getvariable('lf_as_of') as timestamp)
),

-- companies: valid rows, newest version, invalid optional values nulled --------------------

companies_parsed as (
    select
        nullif(trim(cast(company_id as varchar)), '') as company_id,
        nullif(trim(cast(company_name as varchar)), '') as company_name,
        lower(nullif(trim(cast(domain as varchar)), '')) as company_domain,
        try_cast(nullif(trim(cast(employee_count as varchar)), '') as decimal(38, 6)) as employee_number,
        lower(nullif(trim(cast(industry as varchar)), '')) as industry,
        upper(nullif(trim(cast(country_code as varchar)), '')) as country_code,
        try_cast(nullif(trim(cast(account_tier as varchar)), '') as decimal(38, 6)) as tier_number,
        try_cast(updated_at as timestamp) as updated_at,
        try_cast(_loaded_at as timestamp) as loaded_at
    from raw.crm_companies
),

companies_validated as (
    select
        company_id,
        company_name,
        company_domain,
        case
            when employee_number = floor(employee_number) and employee_number >= 0
                then try_cast(employee_number as integer)
        end as employee_count,
        industry,
        country_code,
        case
            when tier_number = floor(tier_number) and tier_number in (1, 2, 3)
                then cast(tier_number as integer)
        end as account_tier,
        updated_at,
        loaded_at
    from companies_parsed
    where company_id is not null and loaded_at is not null
),

companies as (
    select company_id, employee_count, industry, country_code, account_tier
    from companies_validated
    qualify
        row_number() over (
            partition by company_id
            order by
                updated_at desc nulls last, loaded_at desc, company_name asc nulls last,
                company_domain asc nulls last, employee_count asc nulls last,
                industry asc nulls last, country_code asc nulls last, account_tier asc nulls last
        ) = 1
),

-- fit score, disqualification, and the leads that can become MQLs -------------------------

lead_attributes as (
    select
        leads.lead_id,
        leads.created_at,
        companies.employee_count,
        companies.country_code,
        companies.industry,
        companies.account_tier,
        leads.lead_source,
        free_email_domains.email_domain is not null as is_free_email_domain,
        excluded_email_domains.kind as excluded_domain_kind,
        leads.job_title_lower as job_title
    from leads
    left join companies on leads.company_id = companies.company_id
    left join free_email_domains on leads.email_domain = free_email_domains.email_domain
    left join excluded_email_domains on leads.email_domain = excluded_email_domains.email_domain
),

fit_matches as (
    select
        lead_attributes.lead_id,
        fit_rules.rule_id,
        fit_rules.points,
        fit_rules.is_disqualifying,
        case fit_rules.attribute
            when 'employee_count' then cast(lead_attributes.employee_count as varchar)
            when 'country_code' then lead_attributes.country_code
            when 'industry' then lead_attributes.industry
            when 'account_tier' then cast(lead_attributes.account_tier as varchar)
            when 'lead_source' then lead_attributes.lead_source
            when 'is_free_email_domain'
                then case when lead_attributes.is_free_email_domain then 'true' else 'false' end
            when 'excluded_domain_kind' then lead_attributes.excluded_domain_kind
            when 'job_title' then lead_attributes.job_title
        end as value_text,
        case fit_rules.attribute
            when 'employee_count' then cast(lead_attributes.employee_count as double)
            when 'account_tier' then cast(lead_attributes.account_tier as double)
        end as value_number,
        fit_rules.operator,
        fit_rules.value_text as rule_text,
        fit_rules.value_min,
        fit_rules.value_max
    from lead_attributes
    cross join fit_rules
),

fit_scores as (
    select
        lead_attributes.lead_id,
        lead_attributes.created_at,
        coalesce(matched.fit_score, 0) as fit_score,
        coalesce(matched.is_disqualified, false) as is_disqualified
    from lead_attributes
    left join (
        -- a rule counts once, however many of its rows match
        select
            lead_id,
            sum(points) filter (where not is_disqualifying) as fit_score,
            bool_or(is_disqualifying) as is_disqualified
        from (
            select distinct lead_id, rule_id, points, is_disqualifying
            from fit_matches
            where
                (operator = 'equals' and lower(value_text) = lower(rule_text))
                or (
                    operator = 'between'
                    and value_number >= value_min
                    and (value_max is null or value_number <= value_max)
                )
                or (operator = 'like' and value_text like rule_text)
        )
        group by lead_id
    ) as matched on lead_attributes.lead_id = matched.lead_id
),

eligible_leads as (
    -- no disqualifying rule and the minimum fit: only these leads' events are scored
    select fit_scores.lead_id, fit_scores.fit_score
    from fit_scores
    cross join rule_set
    where
        not fit_scores.is_disqualified
        and (rule_set.min_fit_points is null or fit_scores.fit_score >= rule_set.min_fit_points)
),

-- dispositions: valid rows, newest landing per id, one cycle boundary per lead and time ----

cycle_boundaries as (
    -- dispositions sharing a timestamp make one boundary: the last by id decides its kind
    select lead_id, occurred_at as cycle_started_at, arg_max(disposition, disposition_id) as started_by
    from (
        select
            disposition_id,
            lead_id,
            case when disposition_text in ('recycled', 'disqualified') then disposition_text end as disposition,
            occurred_at
        from (
            select
                nullif(trim(cast(disposition_id as varchar)), '') as disposition_id,
                nullif(trim(cast(lead_id as varchar)), '') as lead_id,
                lower(nullif(trim(cast(disposition as varchar)), '')) as disposition_text,
                try_cast(occurred_at as timestamp) as occurred_at,
                try_cast(_loaded_at as timestamp) as loaded_at
            from raw.crm_lead_dispositions
        )
        where
            disposition_id is not null and occurred_at is not null and loaded_at is not null
            and occurred_at <= loaded_at + interval 1 day and lead_id is not null
        qualify
            -- the reason, the last tie-breaker of the newest landing, cannot change the boundary
            row_number() over (
                partition by disposition_id
                order by loaded_at desc, occurred_at desc, lead_id asc nulls last, disposition asc nulls last
            ) = 1
            and disposition is not null
            and occurred_at <= cast(getvariable('lf_as_of') as timestamp)
    )
    group by lead_id, occurred_at
),

-- events: valid rows, newest landing per id, mapped to (signal, qualifier) ---------------

page_views_valid as materialized (
    -- every valid landing, anonymous ones included: a newer anonymous copy wins too
    select event_id, lead_id, page_url, occurred_at, loaded_at
    from (
        select
            nullif(trim(cast(event_id as varchar)), '') as event_id,
            nullif(trim(cast(lead_id as varchar)), '') as lead_id,
            nullif(trim(cast(page_url as varchar)), '') as page_url,
            try_cast(occurred_at as timestamp) as occurred_at,
            try_cast(_loaded_at as timestamp) as loaded_at
        from raw.web_page_views
    )
    where
        event_id is not null and occurred_at is not null and loaded_at is not null
        and occurred_at <= loaded_at + interval 1 day
),

url_categories as (
    -- categorise each distinct url once (urls repeat a lot): the matching pattern with the
    -- lowest priority number wins; no match is 'other'
    select
        urls.page_url,
        coalesce(arg_min(page_categories.page_category, page_categories.priority), 'other') as page_category
    from (select distinct page_url from page_views_valid where lead_id is not null) as urls
    left join page_categories on lower(urls.page_url) like page_categories.url_pattern
    group by urls.page_url
),

page_view_candidates as (
    -- ids with a copy that could score: a lead and a category some page_view rule matches;
    -- only these need the (expensive) newest-landing ranking
    select distinct page_views_valid.event_id
    from page_views_valid
    inner join url_categories on page_views_valid.page_url = url_categories.page_url
    semi join engagement_rules
        on
            engagement_rules.signal = 'page_view'
            and (engagement_rules.qualifier is null or engagement_rules.qualifier = url_categories.page_category)
    where page_views_valid.lead_id is not null
),

page_view_signals as (
    select
        page_views.lead_id,
        'page_view' as signal,
        coalesce(url_categories.page_category, 'other') as qualifier,
        page_views.occurred_at
    from (
        select event_id, lead_id, page_url, occurred_at
        from page_views_valid
        semi join page_view_candidates using (event_id)
        qualify
            row_number() over (
                partition by event_id
                order by loaded_at desc, occurred_at desc, lead_id asc nulls last, page_url asc nulls last
            ) = 1
    ) as page_views
    left join url_categories on page_views.page_url = url_categories.page_url
    where
        page_views.lead_id is not null
        and page_views.occurred_at <= cast(getvariable('lf_as_of') as timestamp)
),

email_events_valid as materialized (
    select event_id, lead_id, email_campaign_id, event_type, occurred_at, loaded_at
    from (
        select
            nullif(trim(cast(event_id as varchar)), '') as event_id,
            nullif(trim(cast(lead_id as varchar)), '') as lead_id,
            nullif(trim(cast(email_campaign_id as varchar)), '') as email_campaign_id,
            lower(nullif(trim(cast(event_type as varchar)), '')) as event_type,
            try_cast(occurred_at as timestamp) as occurred_at,
            try_cast(_loaded_at as timestamp) as loaded_at
        from raw.email_events
    )
    where
        event_id is not null and occurred_at is not null and loaded_at is not null
        and occurred_at <= loaded_at + interval 1 day and lead_id is not null
),

email_signals as (
    -- most emails are 'delivered' (no signal): only ids with a copy of a scored type
    -- need the newest-landing ranking
    select lead_id, 'email_' || event_type as signal, cast(null as varchar) as qualifier, occurred_at
    from email_events_valid
    semi join (
        select event_id
        from email_events_valid
        where event_type in ('open', 'click', 'bounce', 'unsubscribe')
    ) as candidates using (event_id)
    qualify
        row_number() over (
            partition by event_id
            order by
                loaded_at desc, occurred_at desc, lead_id asc nulls last,
                email_campaign_id asc nulls last, event_type asc nulls last
        ) = 1
        and event_type in ('open', 'click', 'bounce', 'unsubscribe')
        and occurred_at <= cast(getvariable('lf_as_of') as timestamp)
),

webinar_signals as (
    select
        lead_id,
        case event_type when 'registered' then 'webinar_registration' else 'webinar_attendance' end as signal,
        cast(null as varchar) as qualifier,
        occurred_at
    from (
        select
            nullif(trim(cast(event_id as varchar)), '') as event_id,
            nullif(trim(cast(lead_id as varchar)), '') as lead_id,
            nullif(trim(cast(webinar_id as varchar)), '') as webinar_id,
            lower(nullif(trim(cast(event_type as varchar)), '')) as event_type,
            try_cast(occurred_at as timestamp) as occurred_at,
            try_cast(_loaded_at as timestamp) as loaded_at
        from raw.webinar_events
    )
    where
        event_id is not null and occurred_at is not null and loaded_at is not null
        and occurred_at <= loaded_at + interval 1 day and lead_id is not null
    qualify
        row_number() over (
            partition by event_id
            order by
                loaded_at desc, occurred_at desc, lead_id asc nulls last,
                webinar_id asc nulls last, event_type asc nulls last
        ) = 1
        and event_type in ('registered', 'attended')
        and occurred_at <= cast(getvariable('lf_as_of') as timestamp)
),

download_signals as (
    select lead_id, 'content_download' as signal, asset_type as qualifier, occurred_at
    from (
        select
            nullif(trim(cast(event_id as varchar)), '') as event_id,
            nullif(trim(cast(lead_id as varchar)), '') as lead_id,
            nullif(trim(cast(asset_id as varchar)), '') as asset_id,
            lower(nullif(trim(cast(asset_type as varchar)), '')) as asset_type,
            try_cast(occurred_at as timestamp) as occurred_at,
            try_cast(_loaded_at as timestamp) as loaded_at
        from raw.content_downloads
    )
    where
        event_id is not null and occurred_at is not null and loaded_at is not null
        and occurred_at <= loaded_at + interval 1 day and lead_id is not null
    qualify
        row_number() over (
            partition by event_id
            order by
                loaded_at desc, occurred_at desc, lead_id asc nulls last,
                asset_id asc nulls last, asset_type asc nulls last
        ) = 1
        and occurred_at <= cast(getvariable('lf_as_of') as timestamp)
),

form_signals as (
    select lead_id, 'form_submission' as signal, form_type as qualifier, occurred_at
    from (
        select
            nullif(trim(cast(event_id as varchar)), '') as event_id,
            nullif(trim(cast(lead_id as varchar)), '') as lead_id,
            lower(nullif(trim(cast(form_type as varchar)), '')) as form_type,
            try_cast(occurred_at as timestamp) as occurred_at,
            try_cast(_loaded_at as timestamp) as loaded_at
        from raw.form_submissions
    )
    where
        event_id is not null and occurred_at is not null and loaded_at is not null
        and occurred_at <= loaded_at + interval 1 day and lead_id is not null
    qualify
        row_number() over (
            partition by event_id
            order by loaded_at desc, occurred_at desc, lead_id asc nulls last, form_type asc nulls last
        ) = 1
        and occurred_at <= cast(getvariable('lf_as_of') as timestamp)
),

sales_meeting_signals as (
    select lead_id, 'sales_meeting' as signal, cast(null as varchar) as qualifier, occurred_at
    from (
        select
            nullif(trim(cast(activity_id as varchar)), '') as activity_id,
            nullif(trim(cast(lead_id as varchar)), '') as lead_id,
            lower(nullif(trim(cast(activity_type as varchar)), '')) as activity_type,
            try_cast(occurred_at as timestamp) as occurred_at,
            try_cast(_loaded_at as timestamp) as loaded_at
        from raw.sales_activities
    )
    where
        activity_id is not null and occurred_at is not null and loaded_at is not null
        and occurred_at <= loaded_at + interval 1 day and lead_id is not null
    qualify
        row_number() over (
            partition by activity_id
            order by loaded_at desc, occurred_at desc, lead_id asc nulls last, activity_type asc nulls last
        ) = 1
        and activity_type = 'meeting'
        and occurred_at <= cast(getvariable('lf_as_of') as timestamp)
),

signals as (
    select * from page_view_signals
    union all select * from email_signals
    union all select * from webinar_signals
    union all select * from download_signals
    union all select * from form_signals
    union all select * from sales_meeting_signals
),


-- scored events of the leads that can qualify, in their cycles; the engagement score -------

scored_events as (
    select
        signals.lead_id,
        engagement_rules.rule_id,
        engagement_rules.points,
        engagement_rules.cap,
        engagement_rules.counts_days,
        signals.occurred_at
    from signals
    inner join engagement_rules
        on
            signals.signal = engagement_rules.signal
            and (engagement_rules.qualifier is null or signals.qualifier = engagement_rules.qualifier)
    semi join eligible_leads on signals.lead_id = eligible_leads.lead_id
),

cycle_events as (
    -- each event in its cycle (null: the lead's first), those after `disqualified` dropped;
    -- only the leads with a disposition need the ASOF join
    select scored_events.*, cast(null as timestamp) as cycle_started_at
    from scored_events
    anti join cycle_boundaries on scored_events.lead_id = cycle_boundaries.lead_id
    union all
    select disposed_events.*, cycle_boundaries.cycle_started_at
    from (
        select * from scored_events semi join cycle_boundaries on scored_events.lead_id = cycle_boundaries.lead_id
    ) as disposed_events
    asof left join cycle_boundaries
        on
            disposed_events.lead_id = cycle_boundaries.lead_id
            and disposed_events.occurred_at > cycle_boundaries.cycle_started_at
    where cycle_boundaries.started_by is distinct from 'disqualified'
),

counted_events as (
    -- what each event adds to its rule's count, and when that leaves the window: a rule
    -- counted per event adds 1 and leaves at occurred_at + window; a rule counted per day
    -- adds 1 for the day's first event (0 for the others), and the day leaves with its
    -- last event
    select
        lead_id, cycle_started_at, rule_id, points, cap, occurred_at,
        1 as count_change,
        occurred_at + rule_set.window_length as leaves_window_at
    from cycle_events
    cross join rule_set
    where not counts_days
    union all
    select
        lead_id, cycle_started_at, rule_id, points, cap, occurred_at,
        case when row_number() over utc_day = 1 then 1 else 0 end as count_change,
        max(occurred_at) over utc_day + rule_set.window_length as leaves_window_at
    from cycle_events
    cross join rule_set
    where counts_days
    window utc_day as (
        partition by lead_id, cycle_started_at, rule_id, cast(occurred_at as date) order by occurred_at
        rows between unbounded preceding and unbounded following
    )
),

count_changes as (
    -- every event (count change 1 or 0), and -1 when a counted event or day leaves the
    -- window (only exits by as_of matter)
    select lead_id, cycle_started_at, rule_id, points, cap, occurred_at as changed_at, count_change
    from counted_events
    union all
    select lead_id, cycle_started_at, rule_id, points, cap, leaves_window_at as changed_at, -1 as count_change
    from counted_events
    where count_change = 1 and leaves_window_at <= cast(getvariable('lf_as_of') as timestamp)
),

rule_counts as (
    -- running count of the rule's events (days) in the cycle's window; changes at one
    -- time telescope
    select
        lead_id,
        cycle_started_at,
        points,
        cap,
        changed_at,
        count_change,
        sum(count_change) over (
            partition by lead_id, cycle_started_at, rule_id
            order by changed_at
            rows between unbounded preceding and current row
        ) as events_in_window
    from count_changes
),

contribution_changes as (
    -- contribution sign(points) * min(abs(points) * n, cap) after minus before this change
    select
        lead_id,
        cycle_started_at,
        changed_at,
        count_change,
        sign(points) * case
            when cap is null or abs(points) * events_in_window < cap then abs(points) * events_in_window
            else cap
        end
        - sign(points) * case
            when cap is null or abs(points) * (events_in_window - count_change) < cap
                then abs(points) * (events_in_window - count_change)
            else cap
        end as contribution_change
    from rule_counts
),

engagement as (
    -- every change of the cycle at one timestamp counts together (range frame: peers
    -- included)
    select
        lead_id,
        changed_at,
        count_change,
        sum(contribution_change) over (
            partition by lead_id, cycle_started_at
            order by changed_at
            range between unbounded preceding and current row
        ) as engagement_score
    from contribution_changes
),

first_crossings as (
    -- the first qualifying event time in any open cycle
    select
        engagement.lead_id,
        min(engagement.changed_at) as first_mql_crossing_at
    from engagement
    inner join eligible_leads on engagement.lead_id = eligible_leads.lead_id
    cross join rule_set
    where
        engagement.count_change >= 0
        and eligible_leads.fit_score + engagement.engagement_score >= rule_set.mql_threshold
        and engagement.engagement_score >= rule_set.min_engagement_points
    group by engagement.lead_id
)

select
    fit_scores.lead_id,
    case
        when first_crossings.first_mql_crossing_at is not null
            then greatest(first_crossings.first_mql_crossing_at, fit_scores.created_at)
    end as mql_at
from fit_scores
left join first_crossings on fit_scores.lead_id = first_crossings.lead_id
